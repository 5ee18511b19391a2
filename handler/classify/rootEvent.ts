// The single definition of "a root event". The spoke forwarding rules, the hub rule and the
// notifier all build on these constants, so they cannot drift apart.
import { selfTestPattern } from "./selfTest";

/** `detail.userIdentity.type` of a CloudTrail record made with root credentials. */
export const ROOT_IDENTITY_TYPE = "Root";

/** CloudTrail detail-types that carry a person's (or a thief's) actions. Service events are excluded. */
export const ROOT_DETAIL_TYPES = ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"];

/** `userIdentity.invokedBy` of a person acting in the AWS console. Any other AWS service principal is AWS acting for you. */
export const CONSOLE_INVOKED_BY = "signin.amazonaws.com";

/** Centralized root access: the STS call that opens a short root session in a member account. */
export const ASSUME_ROOT = "AssumeRoot";
export const STS_EVENT_SOURCE = "sts.amazonaws.com";
/** `userIdentity.type` of AssumeRoot's copy in the target account: the same call, recorded twice. */
export const TARGET_COPY_IDENTITY_TYPE = "AWSAccount";
/** STS-issued (temporary) access keys start so: on a Root-typed event, a root session. */
export const TEMPORARY_KEY_PREFIX = "ASIA";

/**
 * One branch of the rules. `source` must start with `aws.`: PutEvents refuses AWS-owned sources, so
 * a member account cannot forge an event that matches any branch.
 */
export function fromAws(
  detailTypes: readonly string[],
  detail: Record<string, unknown>,
): Record<string, unknown> {
  return { source: [{ prefix: "aws." }], "detail-type": [...detailTypes], detail };
}

/** EventBridge patterns for root activity, one per branch (joined with $or). */
export function rootActivityPatterns(): Record<string, unknown>[] {
  return [
    fromAws(ROOT_DETAIL_TYPES, { userIdentity: { type: [ROOT_IDENTITY_TYPE] } }),
    // Sessions root minted with GetFederationToken (userIdentity.type FederatedUser).
    fromAws(ROOT_DETAIL_TYPES, {
      userIdentity: { sessionContext: { sessionIssuer: { type: [ROOT_IDENTITY_TYPE] } } },
    }),
    // AssumeRoot from any account and region, successful or not. Its target-account copy is left
    // out here: the caller's record says everything the copy does, plus who called.
    fromAws([ROOT_DETAIL_TYPES[0] as string], {
      eventSource: [STS_EVENT_SOURCE],
      eventName: [ASSUME_ROOT],
      userIdentity: { type: [{ "anything-but": [TARGET_COPY_IDENTITY_TYPE] }] },
    }),
  ];
}

/**
 * What every rule of the monitor matches (spoke forwarding rules and the hub rule alike): root
 * activity, or a self-test. Self-tests carry a custom source, so the notifier always labels them
 * [TEST] and they can never pass as a real root event.
 */
export function rootEventPattern(): Record<string, unknown> {
  return { $or: [...rootActivityPatterns(), selfTestPattern()] };
}

export type RuleState = "ENABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";

/**
 * Plain ENABLED silently drops read-only management events (Get/List/Describe). Root enumerating an
 * account is a classic first step after credential theft, so by default we take them too.
 */
export function rootRuleState(includeReadOnlyEvents: boolean): RuleState {
  return includeReadOnlyEvents ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" : "ENABLED";
}
