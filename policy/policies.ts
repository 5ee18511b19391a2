// The CrossGuard policies of root-activity-monitor, as plain data: policy/index.ts puts them in a
// PolicyPack (which starts a gRPC server, so tests never construct one); tests/policy/policy.test.ts calls
// each `validateResource` directly with the inputs the real program produces. One file per family:
// least privilege, principals, data at rest, delivery.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { eventRuleAwsSources, eventTargetRetries, lambdaDeadLetter } from "./delivery";
import { kmsKeyRotation, logGroupRetention, topicsAndQueuesEncrypted } from "./dataAtRest";
import { guardNamesMonitor } from "./guard";
import { noWildcardIamPolicy } from "./leastPrivilege";
import { resourcePolicyScoped, serviceTrustConfusedDeputy } from "./principals";

/** Every policy of the pack, in the order `pulumi preview` lists them. */
export const policies: ResourceValidationPolicy[] = [
  noWildcardIamPolicy,
  serviceTrustConfusedDeputy,
  resourcePolicyScoped,
  topicsAndQueuesEncrypted,
  kmsKeyRotation,
  logGroupRetention,
  eventTargetRetries,
  lambdaDeadLetter,
  eventRuleAwsSources,
];

/** Policies that compare a stack's resources with each other. */
export const stackPolicies: StackValidationPolicy[] = [guardNamesMonitor];
