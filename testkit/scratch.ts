// Per-file cleanup for tests that start fake AWS endpoints and write temporary directories: the
// fakes close after each test, the directories go after the file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach } from "vitest";

export interface Scratch {
  /** Fakes (anything with close()) to close after the current test. */
  running: { close(): Promise<void> }[];
  /** A fresh temporary directory, removed after the test file. */
  tmpDir(): string;
}

/** Registers the cleanup hooks; call once at the top of a test file. */
export function useScratch(prefix: string): Scratch {
  const running: { close(): Promise<void> }[] = [];
  const tmpDirs: string[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.close()));
  });
  afterAll(() => {
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    running,
    tmpDir() {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), `ram-${prefix}-`));
      tmpDirs.push(d);
      return d;
    },
  };
}
