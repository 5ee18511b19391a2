// The hub program reading its spoke stack files from SPOKE_STACK_DIR instead of the repository (which
// ships only templates), for tests/hub/coverage.test.ts. Everything else is the real deployHub.
import { projectConfig } from "../common/config";
import { deployHub } from "../hub";

export = async (): Promise<Record<string, unknown>> =>
  deployHub(projectConfig(), process.env.SPOKE_STACK_DIR);
