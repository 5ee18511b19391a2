// What the notifier's code archive must not carry.
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Every runtime dependency of this project. The Lambda runtime ships AWS SDK v3, and the handler
 * needs nothing else, so the archive holds only the serialized `__index.js`.
 */
export function notifierArchiveExclusions(projectDir: string = path.join(__dirname, "..")): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(pkg.dependencies ?? {}).sort();
}
