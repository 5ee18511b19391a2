// root-activity-monitor: one project, two roles. `root-activity-monitor:role` picks which stack this is.
import { projectConfig, readRole } from "./common/config";
import { deployHub } from "./hub";
import { deploySpoke } from "./spoke";

export = async (): Promise<Record<string, unknown>> => {
  const cfg = projectConfig();
  return readRole(cfg) === "hub" ? deployHub(cfg) : deploySpoke(cfg);
};
