// Reads one EventBridge envelope and decides: alert, skip, or unreadable. No module-level Set/Map.
// The hub rule only delivers events that matched a root pattern, so anything that cannot be read is
// an anomaly and is reported, never dropped. Only a well-formed event that is clearly not root, or
// clearly AWS acting on its own, is skipped. detail-type and source are NOT checked: they are the
// rule's job, and some real envelopes carry placeholders there.
import {
  ASSUME_ROOT,
  CONSOLE_INVOKED_BY,
  ROOT_IDENTITY_TYPE,
  STS_EVENT_SOURCE,
  TARGET_COPY_IDENTITY_TYPE,
  TEMPORARY_KEY_PREFIX,
} from "./rootEvent";
import { SELF_TEST_SOURCE } from "./selfTest";
import { severityFor } from "./severity";
import { tamperVerdict } from "../alerts/tamperAlert";
import { deniedBySCP, tamperOutcome, tamperTargetOf } from "./tamperEvent";
import type { Decision, PartialFacts, RootEventFacts, SelfTestFacts } from "./facts";
import { describeType, isObject, type Obj } from "../event/objects";

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** The account the event happened in: recipientAccountId, else envelope account, else userIdentity.accountId. */
function pickAccountId(
  envelope: Obj,
  detail: Obj | undefined,
  identity: Obj | undefined,
): string | undefined {
  return str(detail?.recipientAccountId) || str(envelope.account) || str(identity?.accountId) || undefined;
}

/** Lenient read of whatever identifies the event, for unreadable-event alerts. */
export function readPartial(input: unknown): PartialFacts {
  if (!isObject(input)) return {};
  const detail = isObject(input.detail) ? input.detail : undefined;
  const identity = isObject(detail?.userIdentity) ? detail.userIdentity : undefined;
  const out: PartialFacts = {};
  const set = (k: keyof PartialFacts, v: string | undefined) => {
    if (v !== undefined && v !== "") out[k] = v;
  };
  set("envelopeId", str(input.id));
  set("eventId", str(detail?.eventID));
  set("eventName", str(detail?.eventName));
  set("accountId", pickAccountId(input, detail, identity));
  set("region", str(detail?.awsRegion) || str(input.region));
  set("eventTime", str(detail?.eventTime) || str(input.time));
  return out;
}

/** An invokedBy value naming an AWS service principal (".amazonaws.com" or "AWS Internal"). */
export function isAwsServicePrincipal(invokedBy: string): boolean {
  const v = invokedBy.trim().toLowerCase();
  return v.endsWith(".amazonaws.com") || v === "aws internal";
}

/** AWS acting on its own: a service principal other than the console sign-in service. */
export function isAwsActingAlone(invokedBy: string | undefined): boolean {
  if (invokedBy === undefined) return false;
  const v = invokedBy.trim().toLowerCase();
  return isAwsServicePrincipal(v) && v !== CONSOLE_INVOKED_BY.toLowerCase();
}

interface FieldReader {
  problems: string[];
  string(obj: Obj, key: string, path: string): string | undefined;
  boolean(obj: Obj, key: string, path: string): boolean | undefined;
  object(obj: Obj, key: string, path: string): Obj | undefined;
}

/** Reads typed fields, collecting every field of the wrong type. null counts as absent. */
function fieldReader(): FieldReader {
  const problems: string[] = [];
  function read<T>(
    obj: Obj,
    key: string,
    path: string,
    ok: (v: unknown) => v is T,
    want: string,
  ): T | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (ok(v)) return v;
    problems.push(`${path} is ${describeType(v)}, expected ${want}`);
    return undefined;
  }
  return {
    problems,
    string: (obj, key, path) => read(obj, key, path, (v): v is string => typeof v === "string", "a string"),
    boolean: (obj, key, path) =>
      read(obj, key, path, (v): v is boolean => typeof v === "boolean", "a boolean"),
    object: (obj, key, path) => read(obj, key, path, isObject, "an object"),
  };
}

function unreadable(problem: string, input: unknown): Decision {
  return { decision: "unreadable", problem, partial: readPartial(input) };
}

function readSelfTest(input: Obj): SelfTestFacts {
  const detail = isObject(input.detail) ? input.detail : {};
  const out: SelfTestFacts = {};
  const set = (k: keyof SelfTestFacts, v: unknown) => {
    if (typeof v === "string" && v !== "") out[k] = v;
  };
  set("envelopeId", input.id);
  set("testId", detail.testId);
  set("accountId", input.account);
  set("region", input.region);
  set("time", input.time);
  set("requestedBy", detail.requestedBy);
  set("via", detail.via);
  return out;
}

/** Decide what to do with one EventBridge envelope (already parsed from JSON). */
export function decide(input: unknown): Decision {
  if (!isObject(input)) return unreadable(`the event is ${describeType(input)}, expected an object`, input);
  // Whatever its detail says, an event with the self-test source is a test, never real root activity.
  if (input.source === SELF_TEST_SOURCE) return { decision: "test", test: readSelfTest(input) };
  if (!("detail" in input) || input.detail === undefined) return unreadable("the event has no detail", input);
  const detail = input.detail;
  if (!isObject(detail)) return unreadable(`detail is ${describeType(detail)}, expected an object`, input);
  if (detail.userIdentity === undefined) return unreadable("detail has no userIdentity", input);
  const identity = detail.userIdentity;
  if (!isObject(identity)) {
    return unreadable(`detail.userIdentity is ${describeType(identity)}, expected an object`, input);
  }

  const read = readFacts(input, detail, identity);
  if (read.problems.length > 0) return unreadable(read.problems.join("; "), input);
  return judge(read, input);
}

/** The root-event facts of a well-shaped envelope, and what in it has the wrong type. */
function readFacts(input: Obj, detail: Obj, identity: Obj) {
  const r = fieldReader();
  const d = (k: string) => r.string(detail, k, `detail.${k}`);
  const u = (k: string) => r.string(identity, k, `detail.userIdentity.${k}`);

  const eventName = d("eventName");
  const eventSource = d("eventSource");
  const eventType = d("eventType");
  const identityType = u("type");
  const invokedBy = u("invokedBy");
  const isSignIn = eventType === "AwsConsoleSignIn" || eventSource === "signin.amazonaws.com";

  const response = r.object(detail, "responseElements", "detail.responseElements");
  let signInResult: string | undefined;
  if (isSignIn && response && eventName !== undefined) {
    signInResult = r.string(response, eventName, `detail.responseElements.${eventName}`);
  }
  const extra = r.object(detail, "additionalEventData", "detail.additionalEventData");
  const mfaUsedRaw = extra ? r.string(extra, "MFAUsed", "detail.additionalEventData.MFAUsed") : undefined;
  const request = r.object(detail, "requestParameters", "detail.requestParameters");
  let requestUserName: string | undefined;
  if (request) {
    requestUserName =
      eventName === "CreateAccessKey"
        ? r.string(request, "userName", "detail.requestParameters.userName")
        : str(request.userName);
  }
  const session = r.object(identity, "sessionContext", "detail.userIdentity.sessionContext");
  const attributes = session
    ? r.object(session, "attributes", "detail.userIdentity.sessionContext.attributes")
    : undefined;
  const issuer = isObject(session?.sessionIssuer) ? session.sessionIssuer : {};
  const task = isObject(request?.taskPolicyArn) ? str(request.taskPolicyArn.arn) : undefined;
  const credentials = isObject(response?.credentials) ? response.credentials : {};

  const facts: RootEventFacts = {
    access: "root-credentials",
    issuerType: str(issuer.type),
    issuerArn: str(issuer.arn),
    sourceIdentity: str(session?.sourceIdentity) ?? str(response?.sourceIdentity),
    targetAccount: str(request?.targetPrincipal),
    taskPolicy: task?.split("/").pop(),
    issuedKey: str(credentials.accessKeyId),
    envelopeId: str(input.id),
    eventId: d("eventID"),
    eventName: eventName ?? "",
    eventSource,
    eventType,
    identityType,
    invokedBy,
    accountId: undefined, // set below, once the candidate fields are type-checked
    region: d("awsRegion") || str(input.region),
    eventTime: d("eventTime") || str(input.time),
    sourceIp: d("sourceIPAddress"),
    userAgent: d("userAgent"),
    arn: u("arn"),
    accessKeyId: u("accessKeyId"),
    sessionMfaAuthenticated: attributes
      ? r.string(
          attributes,
          "mfaAuthenticated",
          "detail.userIdentity.sessionContext.attributes.mfaAuthenticated",
        )
      : undefined,
    errorCode: d("errorCode"),
    errorMessage: d("errorMessage"),
    readOnly: r.boolean(detail, "readOnly", "detail.readOnly"),
    isSignIn,
    signInResult,
    mfaUsedRaw,
    mfaUsed: mfaUsedRaw?.trim().toLowerCase() === "yes",
    failed: false,
    requestUserName,
    requestParameters: detail.requestParameters,
  };
  d("recipientAccountId");
  u("accountId");
  facts.accountId = pickAccountId(input, detail, identity);
  return { facts, problems: r.problems, request, signInResult, requestUserName };
}

/** Skip, alert (root activity or tamper, with its verdict) or unreadable, from the facts read. */
function judge(read: ReturnType<typeof readFacts>, input: Obj): Decision {
  const { facts, request, signInResult, requestUserName } = read;
  const { eventType, invokedBy, eventSource, identityType, eventName } = facts;

  // AWS acting on its own: skip, whatever the identity type.
  if (eventType === "AwsServiceEvent") {
    return { decision: "skip", reason: "eventType AwsServiceEvent: AWS acting on its own", facts };
  }
  if (isAwsActingAlone(invokedBy)) {
    return { decision: "skip", reason: `invokedBy ${invokedBy}: an AWS service acting on its own`, facts };
  }
  // A change to the monitor itself alerts whoever made it (the rules left the deploy role out).
  const tamper = tamperTargetOf(eventSource, facts.readOnly, request);
  if (identityType === undefined && !tamper) return unreadable("detail.userIdentity.type is missing", input);
  const assume = eventName === ASSUME_ROOT && eventSource === STS_EVENT_SOURCE;
  // The rules leave AssumeRoot's target-account copy out; should one arrive, the caller's record alerts.
  const notRoot = assume
    ? identityType === TARGET_COPY_IDENTITY_TYPE
    : identityType !== ROOT_IDENTITY_TYPE && facts.issuerType !== ROOT_IDENTITY_TYPE;
  if (notRoot && !tamper) {
    return {
      decision: "skip",
      reason: `userIdentity.type is ${identityType}, not ${assume ? "the caller of AssumeRoot" : ROOT_IDENTITY_TYPE}`,
      facts,
    };
  }
  if (assume) facts.access = "assume-root";
  else if (identityType === ROOT_IDENTITY_TYPE && facts.accessKeyId?.startsWith(TEMPORARY_KEY_PREFIX))
    facts.access = "root-session";
  if (eventName === "") return unreadable("detail.eventName is missing", input);

  facts.failed =
    Boolean(facts.errorCode) ||
    Boolean(facts.errorMessage) ||
    (signInResult !== undefined && signInResult.trim().toLowerCase() === "failure");

  if (tamper) {
    // One alert, as tamper, even when root made the change (both patterns match it).
    facts.tamper = {
      ...tamper,
      outcome: tamperOutcome(facts.errorCode, facts.errorMessage),
      bySCP: deniedBySCP(facts.errorMessage),
      byRoot: !notRoot,
    };
    return { decision: "alert", facts, verdict: tamperVerdict(facts.tamper, eventName) };
  }

  const verdict = severityFor({
    eventName,
    readOnly: facts.readOnly === true,
    failed: facts.failed,
    mfaUsed: facts.mfaUsed,
    requestUserName,
    taskPolicy: facts.taskPolicy,
  });
  return { decision: "alert", facts, verdict };
}

/** Parse an SQS body, then decide. A body that is not a JSON string is unreadable. */
export function decideSqsBody(body: unknown): { decision: Decision; parsed: unknown } {
  if (typeof body !== "string") {
    return {
      decision: unreadable(`the SQS body is ${describeType(body)}, expected a JSON string`, body),
      parsed: body,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { decision: unreadable(`the SQS body is not JSON (${why})`, undefined), parsed: undefined };
  }
  return { decision: decide(parsed), parsed };
}
