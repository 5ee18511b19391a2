// Where the tests live: what `__dirname` meant to a test file when they all sat in tests/, so that a
// test reads its fixtures and the repository's files the same way from its own folder.
import * as path from "node:path";

export const TESTS_DIR = path.join(__dirname, "..", "tests");
