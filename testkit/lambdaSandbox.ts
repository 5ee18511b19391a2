// Runs the notifier code exactly as deployed: the `__index.js` the program put in the archive, in
// a fresh Node process whose module path offers only the AWS SDK, as the Lambda runtime does.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "./program";

/** Every package the installed AWS SDK v3 clients need, found by walking their package.json files. */
function sdkClosure(): string[] {
  const nm = path.join(REPO, "node_modules");
  const roots = fs.readdirSync(path.join(nm, "@aws-sdk")).map((p) => `@aws-sdk/${p}`);
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pkg = queue.pop() as string;
    if (seen.has(pkg) || !fs.existsSync(path.join(nm, pkg, "package.json"))) continue;
    seen.add(pkg);
    const manifest = JSON.parse(fs.readFileSync(path.join(nm, pkg, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    queue.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return [...seen].sort();
}

export interface Sandbox {
  dir: string;
  indexPath: string;
  /** Invoke the handler once per event, in order, in one fresh process. */
  invoke(events: unknown[], env: Record<string, string>): Promise<InvocationResult[]>;
}

export type InvocationResult = { ok: unknown; ms: number } | { error: string; ms: number };

export function createSandbox(code: string): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-lambda-"));
  const task = path.join(dir, "var", "task");
  const runtimeModules = path.join(dir, "var", "runtime", "node_modules");
  fs.mkdirSync(task, { recursive: true });
  fs.mkdirSync(runtimeModules, { recursive: true });
  for (const pkg of sdkClosure()) {
    const target = path.join(runtimeModules, pkg);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync(path.join(REPO, "node_modules", pkg), target, "dir");
  }
  const indexPath = path.join(task, "__index.js");
  fs.writeFileSync(indexPath, code);
  const driver = path.join(dir, "driver.js");
  fs.writeFileSync(
    driver,
    `"use strict";
const fs = require("fs");
(async () => {
  const mod = require(process.argv[2]);
  const events = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
  const out = [];
  for (const [i, ev] of events.entries()) {
    const t0 = process.hrtime.bigint();
    try {
      // Each invocation has a request ID of its own, as in Lambda.
      const awsRequestId = "req-" + process.pid + "-" + i;
      const ok = await mod.handler(ev, { awsRequestId, functionName: "notifier" });
      out.push({ ok: ok === undefined ? null : ok, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    } catch (e) {
      out.push({ error: String(e && e.message || e), ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    }
  }
  fs.writeFileSync(process.argv[4], JSON.stringify(out));
})();
`,
  );
  return {
    dir,
    indexPath,
    invoke(events, env) {
      const eventsFile = path.join(dir, `events-${Date.now()}-${Math.random()}.json`);
      const outFile = `${eventsFile}.out`;
      fs.writeFileSync(eventsFile, JSON.stringify(events));
      return new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          [driver, indexPath, eventsFile, outFile],
          {
            cwd: task,
            // Only the SDK is resolvable, as in Lambda; no repo node_modules up the tree.
            env: { PATH: process.env.PATH ?? "", NODE_PATH: runtimeModules, LAMBDA_TASK_ROOT: task, ...env },
            timeout: 120_000,
          },
          (err, stdout, stderr) => {
            if (!fs.existsSync(outFile)) {
              reject(new Error(`sandbox produced no result: ${String(err)}\n${stdout}\n${stderr}`));
              return;
            }
            resolve(JSON.parse(fs.readFileSync(outFile, "utf8")) as InvocationResult[]);
          },
        );
      });
    },
  };
}

/** Wrap EventBridge envelopes the way the event source mapping delivers them from SQS. */
export function sqsBatch(envelopes: unknown[]): {
  Records: { messageId: string; body: string; eventSource: string }[];
} {
  return {
    Records: envelopes.map((e, i) => ({
      messageId: `msg-${i}`,
      body: typeof e === "string" ? e : JSON.stringify(e),
      eventSource: "aws:sqs",
    })),
  };
}
