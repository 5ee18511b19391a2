import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { startFakeOrganization, defaultOrg, HUB_BUS_ARN } from "./tests/support/fakeOrganization";
(async () => {
  const { aws, env } = await startFakeOrganization(defaultOrg());
  fs.mkdirSync("/tmp/ramview", { recursive: true });
  fs.writeFileSync("/tmp/ramview/Pulumi.s.yaml", `config:\n  root-activity-monitor:hubStack: acme/root-activity-monitor/hub\n  root-activity-monitor:shard: "2/3"\n`);
  try { console.log(execFileSync(process.execPath, ["--import", "tsx", "scripts/doctor.ts", "--stack", "s", "--dir", "/tmp/ramview", "--hub-bus-arn", HUB_BUS_ARN], { env: { ...process.env, ...env }, encoding: "utf8" })); }
  catch (e) { console.log((e as {stdout: string}).stdout, "exit", (e as {status: number}).status); }
  await aws.close();
})();
