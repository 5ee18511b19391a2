// The spoke stacks of the repository, read from their Pulumi.<stack>.yaml when the hub deploys, with
// the CLI's rules (common/cliConfig.ts) and the spoke's own config reader: the hub knows each spoke's
// selection from the one place a person writes it, so there is no second list to keep in sync.
import * as fs from "node:fs";
import * as path from "node:path";
import { applyProjectConfig, loadStackFile } from "../../common/cliConfig";
import { CliConfigError, loadProject } from "../../common/cliProject";
import { PROJECT, type ConfigSource } from "../../common/config";
import type { SpokeSelection } from "../../handler/coverage/selection";
import { readSpokeConfig } from "../../spoke/config";

const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;
/** Templates, deployment settings and examples are not stacks. */
const NOT_A_STACK = /(\.deploy|-template|\.example|\.esc-example)$/;

/** The names of the Pulumi.<stack>.yaml files in `dir` that are stacks. */
export function stackFileNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .map((f) => STACK_FILE.exec(f)?.[1])
    .filter((name): name is string => name !== undefined && !NOT_A_STACK.test(name))
    .sort();
}

/** A stack file's config as the program would see it; secrets stay unreadable (none is needed here). */
function stackSource(dir: string, stack: string): ConfigSource {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  try {
    const { values } = applyProjectConfig(
      stack,
      loadProject(path.join(dir, "Pulumi.yaml")),
      loadStackFile(file),
      () => undefined,
    );
    return { get: (key) => values[`${PROJECT}:${key}`] };
  } catch (err) {
    if (err instanceof CliConfigError) throw new CliConfigError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Every spoke stack of `dir` (role spoke) and what it selects. A broken spoke file fails the deploy. */
export function readSpokeSelections(dir: string): SpokeSelection[] {
  const out: SpokeSelection[] = [];
  for (const stack of stackFileNames(dir)) {
    const cfg = stackSource(dir, stack);
    if (cfg.get("role") !== "spoke") continue;
    let spoke;
    try {
      spoke = readSpokeConfig(cfg);
    } catch (err) {
      throw new Error(`Pulumi.${stack}.yaml: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    out.push({
      stack,
      ...(spoke.shard ? { shard: [spoke.shard.index, spoke.shard.count] as [number, number] } : {}),
      ...(spoke.organizationalUnits ? { organizationalUnits: spoke.organizationalUnits } : {}),
      ...(spoke.include ? { include: spoke.include } : {}),
      ...(spoke.exclude.length ? { exclude: spoke.exclude } : {}),
      regions: spoke.regions,
    });
  }
  return out;
}
