// What a trail's event selectors log of management events, and what a region's trails add up to.
// Pure functions: trails.ts reads the facts, this file judges them.
import type { AdvancedEventSelector, EventSelector } from "@aws-sdk/client-cloudtrail";

export type TrailStatus = "ok" | "missing" | "stopped" | "write-only" | "unknown";

/** Worst first: an account takes the worst status of its regions. Unknown can hide a missing trail. */
export const TRAIL_STATUS_ORDER: readonly TrailStatus[] = [
  "missing",
  "stopped",
  "unknown",
  "write-only",
  "ok",
];

export interface ManagementScope {
  read: boolean;
  write: boolean;
}

function readOnlyValues(values: string[] | undefined): Set<string> {
  return new Set((values ?? []).map((v) => v.toLowerCase()));
}

/**
 * Management events a trail logs. Basic selectors: IncludeManagementEvents (default true) with
 * ReadWriteType (default All). Advanced selectors: eventCategory = Management, narrowed by readOnly.
 */
export function managementScope(selectors: {
  EventSelectors?: EventSelector[] | undefined;
  AdvancedEventSelectors?: AdvancedEventSelector[] | undefined;
}): ManagementScope {
  const scope: ManagementScope = { read: false, write: false };
  for (const s of selectors.EventSelectors ?? []) {
    if (s.IncludeManagementEvents === false) continue;
    const rw = s.ReadWriteType ?? "All";
    if (rw === "All" || rw === "ReadOnly") scope.read = true;
    if (rw === "All" || rw === "WriteOnly") scope.write = true;
  }
  for (const s of selectors.AdvancedEventSelectors ?? []) {
    const fields = s.FieldSelectors ?? [];
    const category = fields.find((f) => f.Field === "eventCategory");
    if (!category?.Equals?.includes("Management")) continue;
    const readOnly = fields.find((f) => f.Field === "readOnly");
    if (!readOnly) {
      scope.read = scope.write = true;
      continue;
    }
    const equals = readOnlyValues(readOnly.Equals);
    const notEquals = readOnlyValues(readOnly.NotEquals);
    const logs = (value: "true" | "false") =>
      (readOnly.Equals === undefined || equals.has(value)) && !notEquals.has(value);
    if (logs("true")) scope.read = true;
    if (logs("false")) scope.write = true;
  }
  return scope;
}

/** One trail as seen from one account: what it is, and whether it is logging what. */
export interface TrailFact {
  arn: string;
  name: string;
  homeRegion: string;
  organization: boolean;
  multiRegion: boolean;
  /** The trail's state, or why it could not be read and the permission that was missing. */
  state: { logging: boolean; scope: ManagementScope } | { error: string; permission: string; fix?: string };
}

export interface RegionVerdict {
  region: string;
  status: TrailStatus;
  detail: string;
  /** Trails that matter for the fix: the stopped or write-only ones. */
  trails: TrailFact[];
  /** What to grant, when status is unknown. */
  permission?: string;
  /** One line; filled in by trails.ts, which knows the account and role. */
  fix?: string;
}

function describe(t: TrailFact): string {
  const kind = t.organization ? "organization trail" : t.multiRegion ? "multi-region trail" : "trail";
  return `${kind} ${t.name} (${t.homeRegion})`;
}

const list = (ts: TrailFact[]) => ts.map(describe).join(", ");

/** Whether the trails that log in `region` deliver the management events the spoke's rule needs. */
export function judgeRegion(
  region: string,
  trails: TrailFact[],
  includeReadOnlyEvents: boolean,
): RegionVerdict {
  if (trails.length === 0) {
    return { region, status: "missing", detail: "no trail logs this region", trails };
  }
  const known = trails.filter((t) => "logging" in t.state);
  const unread = trails.filter((t) => !("logging" in t.state));
  const logging = known.filter((t) => "logging" in t.state && t.state.logging);
  const scopeOf = (t: TrailFact) => ("scope" in t.state ? t.state.scope : { read: false, write: false });
  const write = logging.some((t) => scopeOf(t).write);
  const read = logging.some((t) => scopeOf(t).read);
  if (write && (read || !includeReadOnlyEvents)) {
    return {
      region,
      status: "ok",
      detail: `logged by ${list(logging.filter((t) => scopeOf(t).write))}`,
      trails: [],
    };
  }
  const first = unread[0];
  if (first && "error" in first.state) {
    return {
      region,
      status: "unknown",
      detail: `cannot read ${describe(first)}: ${first.state.error}`,
      trails: unread,
      permission: first.state.permission,
      // Set when the read failed for another reason than a denied permission.
      ...(first.state.fix ? { fix: first.state.fix } : {}),
    };
  }
  if (logging.length === 0) {
    return { region, status: "stopped", detail: `${list(known)} not logging`, trails: known };
  }
  if (!write) {
    return {
      region,
      status: "missing",
      detail: `${list(logging)} logs no management write events`,
      trails: logging,
    };
  }
  return {
    region,
    status: "write-only",
    detail: `${list(logging)} logs write-only management events; read-only root calls are not delivered`,
    trails: logging.filter((t) => scopeOf(t).write),
  };
}

export interface AccountVerdict {
  status: TrailStatus;
  detail: string;
  regions: RegionVerdict[];
}

/** The worst region decides; the detail names every region that is not ok, grouped by what is wrong. */
export function judgeAccount(regions: RegionVerdict[]): AccountVerdict {
  const rank = (s: TrailStatus) => TRAIL_STATUS_ORDER.indexOf(s);
  const status = regions.reduce<TrailStatus>((w, r) => (rank(r.status) < rank(w) ? r.status : w), "ok");
  const groups = new Map<string, string[]>();
  for (const r of regions) {
    if (status !== "ok" && r.status === "ok") continue;
    const key = r.status === "ok" ? r.detail : `${r.status}: ${r.detail}`;
    groups.set(key, [...(groups.get(key) ?? []), r.region]);
  }
  const detail = [...groups].map(([text, rs]) => `${rs.join(", ")}: ${text}`).join("; ");
  return { status, detail, regions };
}

export const TRAIL_PERMISSIONS = [
  "cloudtrail:DescribeTrails",
  "cloudtrail:GetTrailStatus",
  "cloudtrail:GetEventSelectors",
];

export function regionFix(
  v: RegionVerdict,
  accountId: string,
  roleName: string,
  callerAccountId: string,
): string {
  const trail = v.trails[0];
  switch (v.status) {
    case "missing":
      return trail
        ? `log management events on ${trail.name}: ReadWriteType All with IncludeManagementEvents (basic selectors) or eventCategory = Management (advanced)`
        : `create a multi-region trail in ${accountId} (aws cloudtrail create-trail --name root-activity --s3-bucket-name <bucket> --is-multi-region-trail, then aws cloudtrail start-logging --name root-activity), or an organization trail in the management account`;
    case "stopped":
      return `aws cloudtrail start-logging --name ${trail?.arn ?? "<trail>"} --region ${trail?.homeRegion ?? v.region}`;
    case "write-only":
      return `log read-only management events on ${trail?.name ?? "the trail"}: ReadWriteType All (basic selectors) or no readOnly field (advanced), or set includeReadOnlyEvents: false`;
    case "unknown": {
      const who =
        accountId === callerAccountId ? "the caller's credentials" : `role ${roleName} in ${accountId}`;
      return `allow ${v.permission ?? TRAIL_PERMISSIONS.join(", ")} to ${who}`;
    }
    default:
      return "";
  }
}
