// What to do about a failed read: only an access-denied answer gets "allow <permission>"; an HTML
// page, an unparseable answer, an endpoint that does not resolve or a server error says what happened.
import { errorName } from "../../common/awsNames";
import { errorMessage } from "../../common/errors";

const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "AuthorizationError",
  "AuthorizationErrorException",
  "UnauthorizedOperation",
  "UnauthorizedException",
]);
const BAD_CREDENTIALS = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "CredentialsProviderError",
]);
const THROTTLED = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);

export type ReadFailure =
  "access-denied" | "credentials" | "endpoint" | "not-aws" | "server" | "throttled" | "other";

function status(err: unknown): number | undefined {
  const meta = (err as { $metadata?: { httpStatusCode?: unknown } } | undefined)?.$metadata;
  return typeof meta?.httpStatusCode === "number" ? meta.httpStatusCode : undefined;
}

export function readFailure(err: unknown): ReadFailure {
  const name = errorName(err);
  const message = errorMessage(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (ACCESS_DENIED.has(name)) return "access-denied";
  if (BAD_CREDENTIALS.has(name)) return "credentials";
  if (THROTTLED.has(name)) return "throttled";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || /getaddrinfo|ENOTFOUND|EAI_AGAIN/.test(message))
    return "endpoint";
  if (
    name === "SyntaxError" ||
    /Deserialization error|<html|<!DOCTYPE|Unexpected token|not valid JSON/i.test(message)
  )
    return "not-aws";
  const s = status(err);
  if ((s !== undefined && s >= 500) || (err as { $fault?: unknown } | undefined)?.$fault === "server")
    return "server";
  return "other";
}

/** The fix for a read that failed with `err`; `allow` is what to grant, e.g. "sns:ListSubscriptionsByTopic to the hub's credentials". */
export function readFix(err: unknown, allow: string): string {
  switch (readFailure(err)) {
    case "access-denied":
      return `allow ${allow}`;
    case "credentials":
      return "the credentials were refused (missing, expired or for another partition): renew them, or check aws:profile";
    case "throttled":
      return "AWS throttled the call: run again in a minute";
    case "endpoint":
      return "no AWS endpoint answered at that name: check the region name and the network (a proxy, AWS_ENDPOINT_URL_*)";
    case "not-aws":
      return "the answer was not AWS's (an HTML page or unparseable): check for a proxy or captive portal, and AWS_ENDPOINT_URL_* settings";
    case "server":
      return "AWS answered with a server error (HTTP 5xx): run again later";
    default:
      return `see the error (${errorName(err)}) and run again`;
  }
}
