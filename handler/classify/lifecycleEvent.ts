// The single definition of "a lifecycle event": the organization gaining, losing or moving an
// account, and an account opting into a region. The spoke forwarding rules, the hub's coverage rule
// and the coverage function all build on this module, as they do on rootEvent.ts for root events.

/** Organizations records its events in the management account, in us-east-1 (a global service). */
export const ORGANIZATIONS_SOURCE = "aws.organizations";
export const CONTROL_TOWER_SOURCE = "aws.controltower";
/** Account Management (`account.amazonaws.com`): EnableRegion, recorded in us-east-1. */
export const ACCOUNT_SOURCE = "aws.account";
export const LIFECYCLE_REGION = "us-east-1";

const API_CALL = "AWS API Call via CloudTrail";
const SERVICE_EVENT = "AWS Service Event via CloudTrail";

/** Organizations calls that change the set of accounts or where they sit. */
export const ORGANIZATIONS_CALLS = ["MoveAccount", "RemoveAccountFromOrganization", "CloseAccount"];
/** Recorded since May 2026 for created and invited accounts; the full record is not published. */
export const ORGANIZATIONS_MEMBERSHIP_EVENTS = ["AccountJoinedOrganization", "AccountDepartedOrganization"];
export const CONTROL_TOWER_EVENTS = ["CreateManagedAccount", "UpdateManagedAccount"];
export const ENABLE_REGION = "EnableRegion";

/**
 * One branch. Every source is one of AWS's own (`aws.` prefix): PutEvents refuses those, so no
 * account can forge a lifecycle event, as for root events (rootEvent.ts).
 */
function fromAws(source: string, detailTypes: string[], detail: Record<string, unknown>) {
  return { source: [source], "detail-type": detailTypes, detail };
}

/** A call that succeeded: CloudTrail records failed calls too, with an errorCode. */
const SUCCEEDED = { errorCode: [{ exists: false }] };

/** Where a forwarding rule sits decides which lifecycle branches it carries. */
export interface LifecycleScope {
  /** The management account's us-east-1 rule: Organizations' events. */
  organizations: boolean;
  /** The management account's rule in the Control Tower home region. */
  controlTower: boolean;
  /** Any watched account's us-east-1 rule: EnableRegion. */
  regionOptIn: boolean;
}

export const ALL_LIFECYCLE: LifecycleScope = { organizations: true, controlTower: true, regionOptIn: true };

/** The lifecycle branches for a rule at `scope` (none when the scope is empty). */
export function lifecycleBranches(scope: LifecycleScope): Record<string, unknown>[] {
  const branches: Record<string, unknown>[] = [];
  if (scope.organizations) {
    branches.push(
      fromAws(ORGANIZATIONS_SOURCE, [SERVICE_EVENT], {
        eventName: ["CreateAccountResult"],
        serviceEventDetails: { createAccountStatus: { state: ["SUCCEEDED"] } },
      }),
      // Shape unpublished: source and name only, with either CloudTrail detail-type.
      fromAws(ORGANIZATIONS_SOURCE, [API_CALL, SERVICE_EVENT], {
        eventName: ORGANIZATIONS_MEMBERSHIP_EVENTS,
      }),
      fromAws(ORGANIZATIONS_SOURCE, [API_CALL], { eventName: ORGANIZATIONS_CALLS, ...SUCCEEDED }),
    );
  }
  if (scope.controlTower) {
    branches.push(fromAws(CONTROL_TOWER_SOURCE, [SERVICE_EVENT], { eventName: CONTROL_TOWER_EVENTS }));
  }
  if (scope.regionOptIn) {
    branches.push(fromAws(ACCOUNT_SOURCE, [API_CALL], { eventName: [ENABLE_REGION], ...SUCCEEDED }));
  }
  return branches;
}

/** The hub's coverage rule: every lifecycle event, from wherever a spoke forwarded it. */
export function lifecycleEventPattern(): Record<string, unknown> {
  return { $or: lifecycleBranches(ALL_LIFECYCLE) };
}

/** `pattern` (an `$or` pattern, like rootEventPattern()) with the lifecycle branches of `scope` added. */
export function withLifecycle(
  pattern: Record<string, unknown>,
  scope: LifecycleScope,
): Record<string, unknown> {
  const extra = lifecycleBranches(scope);
  if (extra.length === 0) return pattern;
  const { $or, ...rest } = pattern;
  if (!Array.isArray($or) || Object.keys(rest).length > 0)
    throw new Error("withLifecycle extends a pattern made only of $or branches");
  return { $or: [...($or as unknown[]), ...extra] };
}

/** EventBridge's default quota on a rule's pattern, in characters (adjustable to 4096). */
export const EVENT_PATTERN_MAX_CHARS = 2048;

// ---- reading one event -----------------------------------------------------------------------

export type LifecycleKind =
  "created" | "invited" | "joined" | "moved" | "departed" | "closed" | "region-enabled";

export interface LifecycleChange {
  kind: LifecycleKind;
  eventName: string;
  /** Undefined when the record does not say: then every spoke stack may be concerned. */
  accountId?: string;
  accountName?: string;
  /** Where the account is now (moved, Control Tower), when the record says. */
  parentId?: string;
  /** Where it was (MoveAccount). */
  previousParentId?: string;
  /** The region opted into (EnableRegion). */
  region?: string;
  /** e.g. "Left", "Removed", "Cleaned", "Created", "Invited". */
  method?: string;
  time?: string;
  eventId?: string;
  envelopeId?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const ACCOUNT_ID = /^\d{12}$/;
const PARENT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;
const REGION = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** The value at `path` under `root`, if any. */
function at(root: unknown, path: string): unknown {
  let v = root;
  for (const k of path.split(".")) v = isObj(v) ? v[k] : undefined;
  return v;
}

/** The first of `paths` that holds a value matching `shape`. */
function first(root: unknown, paths: string[], shape: RegExp): string | undefined {
  for (const p of paths) {
    const v = str(at(root, p));
    if (v && shape.test(v)) return v;
  }
  return undefined;
}

/** Names CloudTrail redacts ("****") say nothing. */
function name(v: unknown): string | undefined {
  const s = str(v);
  return s && !/^\*+$/.test(s) ? s : undefined;
}

/** Everywhere an unpublished record may carry the account it is about. */
const MEMBERSHIP_ACCOUNT_PATHS = [
  "serviceEventDetails.accountId",
  "serviceEventDetails.account.accountId",
  "serviceEventDetails.accountJoinedOrganizationDetails.accountId",
  "serviceEventDetails.accountDepartedOrganizationDetails.accountId",
  "requestParameters.accountId",
  "responseElements.accountId",
  "responseElements.account.id",
  "additionalEventData.accountId",
];

function methodOf(detail: Obj): string | undefined {
  for (const p of ["joinedMethod", "departedMethod", "method"]) {
    for (const root of [
      "serviceEventDetails",
      "additionalEventData",
      "requestParameters",
      "responseElements",
    ]) {
      const v = str(at(detail, `${root}.${p}`));
      if (v) return v;
      for (const inner of ["accountJoinedOrganizationDetails", "accountDepartedOrganizationDetails"]) {
        const w = str(at(detail, `${root}.${inner}.${p}`));
        if (w) return w;
      }
    }
  }
  return undefined;
}

/** What every change read from one event carries. */
type Base = Pick<LifecycleChange, "eventName" | "time" | "eventId" | "envelopeId">;

function baseOf(envelope: Obj, detail: Obj, eventName: string): Base {
  return {
    eventName,
    ...((str(detail.eventTime) ?? str(envelope.time))
      ? { time: str(detail.eventTime) ?? str(envelope.time) }
      : {}),
    ...(str(detail.eventID) ? { eventId: str(detail.eventID) } : {}),
    ...(str(envelope.id) ? { envelopeId: str(envelope.id) } : {}),
  };
}

/** A change of `kind` with the event's base and the `fields` that have a value. */
function changeOf(kind: LifecycleKind, base: Base, fields: Partial<LifecycleChange>): LifecycleChange {
  const out: LifecycleChange = { kind, ...base };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) (out as unknown as Obj)[k] = v;
  return out;
}

/** AccountJoinedOrganization or AccountDepartedOrganization: the kind by the method it records. */
function membershipKind(eventName: string, method: string | undefined): LifecycleKind {
  if (eventName === "AccountJoinedOrganization")
    return method === "Created" ? "created" : method === "Invited" ? "invited" : "joined";
  return method === "Cleaned" ? "closed" : "departed";
}

/** Organizations' events: an account created, joined or departed; a call that moved, removed or closed one. */
function readOrganizations(detail: Obj, base: Base, failed: boolean): LifecycleChange | undefined {
  const { eventName } = base;
  if (eventName === "CreateAccountResult") {
    const status = at(detail, "serviceEventDetails.createAccountStatus");
    if (str(at(status, "state")) !== "SUCCEEDED") return undefined;
    return changeOf("created", base, {
      accountId: first(status, ["accountId"], ACCOUNT_ID),
      accountName: name(at(status, "accountName")),
    });
  }
  if (ORGANIZATIONS_MEMBERSHIP_EVENTS.includes(eventName)) {
    const method = methodOf(detail);
    return changeOf(membershipKind(eventName, method), base, {
      accountId: first(detail, MEMBERSHIP_ACCOUNT_PATHS, ACCOUNT_ID),
      accountName: name(at(detail, "serviceEventDetails.accountName")),
      method,
    });
  }
  if (!ORGANIZATIONS_CALLS.includes(eventName) || failed) return undefined;
  const accountId = first(detail, ["requestParameters.accountId"], ACCOUNT_ID);
  if (eventName === "MoveAccount") {
    return changeOf("moved", base, {
      accountId,
      parentId: first(detail, ["requestParameters.destinationParentId"], PARENT_ID),
      previousParentId: first(detail, ["requestParameters.sourceParentId"], PARENT_ID),
    });
  }
  return changeOf(eventName === "CloseAccount" ? "closed" : "departed", base, { accountId });
}

/** Control Tower's CreateManagedAccount or UpdateManagedAccount, when it succeeded. */
function readControlTower(detail: Obj, base: Base): LifecycleChange | undefined {
  const created = base.eventName === "CreateManagedAccount";
  const key = created ? "createManagedAccountStatus" : "updateManagedAccountStatus";
  const status = at(detail, `serviceEventDetails.${key}`);
  if (str(at(status, "state")) !== "SUCCEEDED") return undefined;
  return changeOf(created ? "created" : "moved", base, {
    accountId: first(status, ["account.accountId"], ACCOUNT_ID),
    accountName: name(at(status, "account.accountName")),
    parentId: first(status, ["organizationalUnit.organizationalUnitId"], PARENT_ID),
  });
}

/** EnableRegion: the account that opted in, and the region. */
function readEnableRegion(envelope: Obj, detail: Obj, base: Base): LifecycleChange {
  // The management account (or a delegated admin) may enable a region for a member: AccountId.
  return changeOf("region-enabled", base, {
    accountId:
      first(detail, ["requestParameters.accountId", "requestParameters.AccountId"], ACCOUNT_ID) ??
      first(detail, ["recipientAccountId"], ACCOUNT_ID) ??
      first(envelope, ["account"], ACCOUNT_ID),
    region: first(detail, ["requestParameters.regionName", "requestParameters.RegionName"], REGION),
  });
}

/**
 * The change an EventBridge envelope describes, or undefined when it is not a lifecycle event this
 * module's rules match (a forged source, a failed call, a failed account creation).
 */
export function readLifecycleEvent(envelope: unknown): LifecycleChange | undefined {
  if (!isObj(envelope) || !isObj(envelope.detail)) return undefined;
  const source = str(envelope.source);
  if (!source || !source.startsWith("aws.")) return undefined;
  const detail = envelope.detail;
  const eventName = str(detail.eventName);
  if (!eventName) return undefined;
  const base = baseOf(envelope, detail, eventName);
  const failed = detail.errorCode !== undefined && detail.errorCode !== null;
  if (source === ORGANIZATIONS_SOURCE) return readOrganizations(detail, base, failed);
  if (source === CONTROL_TOWER_SOURCE && CONTROL_TOWER_EVENTS.includes(eventName))
    return readControlTower(detail, base);
  if (source === ACCOUNT_SOURCE && eventName === ENABLE_REGION && !failed)
    return readEnableRegion(envelope, detail, base);
  return undefined;
}
