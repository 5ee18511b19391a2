// Renders the README sections that come from code: `npm run docs` rewrites them; the test suite
// fails when the README is stale.
import * as fs from "node:fs";
import { README, renderReadme } from "./docs/run";

if (require.main === module) {
  void (async () => {
    const before = fs.readFileSync(README, "utf8");
    const after = await renderReadme(before);
    fs.writeFileSync(README, after);
    console.log(before === after ? "README.md is up to date" : "README.md updated");
  })();
}
