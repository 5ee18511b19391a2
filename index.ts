// root-activity-monitor: one project, two roles. `root-activity-monitor:role` picks which stack this is.
// Each role's modules are loaded only for that role: a spoke stack never compiles or loads the hub
// (its notifier bundling pulls in esbuild), and a hub stack never loads the spoke's discovery.
import * as pulumi from "@pulumi/pulumi";
import { projectConfig, readRole } from "./common/config";
import { checkConfigKeys } from "./common/configKeys";
import { placeholderProblems } from "./common/placeholders";

export = async (): Promise<Record<string, unknown>> => {
  const cfg = projectConfig();
  const role = readRole(cfg);
  // Before anything else: a key that does nothing (a typo, or the other role's) is an error.
  checkConfigKeys(pulumi.runtime.allConfig(), role);
  // An example's placeholder previews (so examples can be reviewed) but never deploys.
  const placeholders = placeholderProblems(pulumi.runtime.allConfig(), role);
  if (placeholders.length > 0 && !pulumi.runtime.isDryRun())
    throw new pulumi.RunError(placeholders.join("\n"));
  for (const p of placeholders) pulumi.log.warn(`${p} (pulumi up refuses it)`);
  return role === "hub" ? (await import("./hub")).deployHub(cfg) : (await import("./spoke")).deploySpoke(cfg);
};
