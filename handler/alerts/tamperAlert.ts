// What a tamper alert says beyond a root alert (message.ts builds both): how bad it is (critical
// when the change went through, high when it was refused or failed), its subject, and the rows that
// name which rule or role, who, and whether the guard stopped it.
import { field } from "./alertParts";
import type { RootEventFacts, TamperFacts } from "../classify/facts";
import type { SeverityVerdict } from "../classify/severity";
import { oneLine } from "../support/text";

/** Values of the `tamper` message attribute: every tamper alert has one, no other alert does. */
export const TAMPER_VALUES = ["changed", "denied", "failed"] as const;

const what = (t: TamperFacts) => `the monitor's ${t.kind} ${t.name}`;

/** Severity, reason and advice of a tamper event. */
export function tamperVerdict(t: TamperFacts, eventName: string): SeverityVerdict {
  const call = oneLine(eventName, 100);
  const who = "Find out who made the call and why, and what else that principal did in this account.";
  if (t.outcome === "changed") {
    return {
      severity: "critical",
      reason: `${call} changed ${what(t)}: this account may no longer be watched.`,
      advice: `Run pulumi up on the spoke stack of this account to restore it (or let the drift schedule). ${who}`,
    };
  }
  const how = t.outcome === "failed" ? "failed" : t.bySCP ? "refused by the guard" : "refused";
  return { severity: "high", reason: `An attempt to ${call} ${what(t)} was ${how}.`, advice: who };
}

export function tamperSubject(f: RootEventFacts, t: TamperFacts): string {
  const how = t.outcome === "changed" ? "" : ` ${t.outcome}`;
  return `Monitor tampering${how}: ${f.eventName} on its ${t.kind}${t.byRoot ? " by root" : ""}`;
}

/** The rows a tamper alert adds: which rule or role, whether the guard stopped it, and who. */
export function tamperRows(f: RootEventFacts, t: TamperFacts, cap: number): [string, string][] {
  const err = [f.errorCode, f.errorMessage].filter(Boolean).map((v) => oneLine(v as string, cap));
  const guard =
    t.outcome === "changed"
      ? "did NOT stop it: the call succeeded"
      : t.outcome === "denied" && t.bySCP
        ? `STOPPED it: denied by a service control policy (${err.join(": ")})`
        : `not the guard: the call ${t.outcome} (${err.join(": ")})`;
  const issuer = f.issuerArn && f.issuerArn !== f.arn ? ` (role ${oneLine(f.issuerArn, cap)})` : "";
  return [
    ["Target", `${t.kind} ${oneLine(t.name, 200)}`],
    ["Guard", guard],
    ["Who", `${field(f.arn, cap)}${issuer}${t.byRoot ? " (ROOT USER)" : ""}`],
  ];
}

/** The JSON document's `tamper` object. */
export function tamperDoc(t: TamperFacts): Record<string, unknown> {
  return {
    target: t.kind,
    name: oneLine(t.name, 200),
    outcome: t.outcome,
    stoppedByGuard: t.outcome === "denied" && t.bySCP,
    byRoot: t.byRoot,
  };
}
