// root-activity-monitor: one project, two roles. `root-activity-monitor:role` picks which stack this is.
// Each role's modules are loaded only for that role: a spoke stack never compiles or loads the hub
// (its notifier bundling pulls in esbuild), and a hub stack never loads the spoke's discovery.
import { projectConfig, readRole } from "./common/config";

export = async (): Promise<Record<string, unknown>> => {
  const cfg = projectConfig();
  return readRole(cfg) === "hub"
    ? (await import("./hub")).deployHub(cfg)
    : (await import("./spoke")).deploySpoke(cfg);
};
