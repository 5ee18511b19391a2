// The policy pack run by `pulumi preview|up --policy-pack policy`. The policies live in ./policies so
// that tests can call them without constructing a PolicyPack (which starts a server).
import { PolicyPack } from "@pulumi/policy";
import { policies, stackPolicies } from "./policies";

new PolicyPack("root-activity-monitor", {
  description:
    "Guards of root-activity-monitor: least privilege, confused-deputy conditions, encryption, retries.",
  enforcementLevel: "mandatory",
  policies: [...policies, ...stackPolicies],
});
