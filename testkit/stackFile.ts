// Stack files for tests. A run's config always comes from a Pulumi.<stack>.yaml read through the
// CLI's rules (common/cliConfig.ts), never set past them: a test that needs an odd config gets a
// real stack file written here, from a shipped example plus its changes.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument, stringify } from "yaml";

const PROJECT = "root-activity-monitor";
/** Ciphertext of the harness's own "secrets provider": what `pulumi config set --secret` stores. */
const TEST_CIPHER = "v1:test:";

export function testCiphertext(plaintext: string): string {
  return TEST_CIPHER + Buffer.from(plaintext, "utf8").toString("base64");
}

export function isTestCiphertext(ciphertext: string): boolean {
  return ciphertext.startsWith(TEST_CIPHER);
}

/** The harness's decrypter: it opens only its own ciphertext, as a stack opens only its own. */
export function testDecrypt(ciphertext: string): string {
  if (!ciphertext.startsWith(TEST_CIPHER)) {
    throw new Error(
      `the test harness cannot decrypt ${ciphertext.slice(0, 16)}...: write secrets with testCiphertext()`,
    );
  }
  return Buffer.from(ciphertext.slice(TEST_CIPHER.length), "base64").toString("utf8");
}

/** A config key as a stack file spells it: bare keys belong to this project. */
export function fullKey(k: string): string {
  return k.includes(":") ? k : `${PROJECT}:${k}`;
}

export interface StackFileChanges {
  /** A stack file to start from (path), e.g. the shipped Pulumi.hub.yaml. */
  base?: string;
  /** Keys to set (bare keys are this project's); null removes a key. */
  set?: Record<string, unknown>;
  /** Keys (as in `set`) stored encrypted, as `pulumi config set --secret` stores them. */
  secretKeys?: string[];
}

/** Writes Pulumi.<stack>.yaml into `dir` (a fresh temporary one by default) and returns its path. */
export function writeStackFile(stack: string, changes: StackFileChanges, dir?: string): string {
  const doc = changes.base
    ? parseDocument(fs.readFileSync(changes.base, "utf8"))
    : parseDocument("config: {}\n");
  const config = (doc.toJSON() as { config?: Record<string, unknown> } | null)?.config ?? {};
  const top = (doc.toJSON() as Record<string, unknown> | null) ?? {};
  const secret = new Set((changes.secretKeys ?? []).map(fullKey));
  for (const [k, v] of Object.entries(changes.set ?? {})) {
    const key = fullKey(k);
    if (v === null) delete config[key];
    else config[key] = v;
  }
  for (const key of secret) {
    const v = config[key];
    if (v === undefined) throw new Error(`secret key ${key} has no value to encrypt`);
    config[key] = { secure: testCiphertext(typeof v === "string" ? v : JSON.stringify(v)) };
  }
  const out = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "ram-stack-"));
  const file = path.join(out, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify({ ...top, config }));
  return file;
}
