// The names of what a spoke creates in member accounts, in one place: the spoke names its rules and
// roles from here, the guard (an SCP) denies changes to exactly these names, and the tamper pattern
// and the notifier recognise them. No imports: serialized into the notifier too.
//
// One prefix, distinctive enough that an ARN pattern `.../<prefix>*` catches nothing of the
// organization's own (AWS Control Tower names its baseline the same way: `aws-controltower-*`).
// The names are the same in every account and region: a rule name is unique per account and region,
// a role name per account, and shards never share an account.

export const MONITOR_PREFIX = "root-activity-monitor-spoke-";

/** The forwarding rule on the default bus, in every watched account and region. */
export const FORWARD_RULE_NAME = `${MONITOR_PREFIX}forward`;
/** The role EventBridge uses to put events on the hub bus, one per account. */
export const FORWARDER_ROLE_NAME = `${MONITOR_PREFIX}forwarder`;

/** Every rule name the spoke gives, and every role name (the policy pack checks the guard covers them). */
export const MONITOR_RULE_NAMES = [FORWARD_RULE_NAME];
export const MONITOR_ROLE_NAMES = [FORWARDER_ROLE_NAME];

/** The session name the spoke assumes `memberRoleName` with: its changes are not tamper alerts. */
export const DEPLOY_SESSION_NAME = "root-activity-monitor";

/** EventBridge rule names and IAM role names: at most 64 characters. */
export const NAME_MAX = 64;

/** Is `name` one the monitor gives to a rule or a role? */
export function isMonitorName(name: unknown): name is string {
  return typeof name === "string" && name.startsWith(MONITOR_PREFIX);
}
