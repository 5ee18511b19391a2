// Discovery's errors: each says what was being done and what to fix, as a Pulumi RunError so that
// `pulumi up` prints the message without a stack trace.
import * as pulumi from "@pulumi/pulumi";
import { errorName } from "../common/awsNames";

/** A problem the user has to fix (config or credentials). */
export class DiscoveryError extends pulumi.RunError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DiscoveryError";
  }
}

export const REQUIRED_PERMISSIONS = [
  "organizations:ListAccounts",
  "organizations:ListAccountsForParent",
  "organizations:ListChildren",
  "organizations:DescribeOrganization",
  "sts:GetCallerIdentity",
];

const CREDENTIALS_HINT =
  "Run the spoke stack with credentials of the organization's management account, or of a delegated " +
  "administrator for AWS Organizations, allowed to call " +
  REQUIRED_PERMISSIONS.join(", ") +
  ".";

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isAccessDenied(err: unknown): boolean {
  return /^(AccessDenied(Exception)?|UnauthorizedOperation|UnrecognizedClientException|InvalidClientTokenId|ExpiredToken(Exception)?)$/.test(
    errorName(err),
  );
}

/** Turns an SDK error into a DiscoveryError that says what was being done and what to fix. */
export function wrap(operation: string, err: unknown): DiscoveryError {
  if (err instanceof DiscoveryError) return err;
  const name = errorName(err);
  const message = errorMessage(err);
  if (name === "AWSOrganizationsNotInUseException") {
    return new DiscoveryError(
      `${operation}: the caller's account is not a member of an organization (${name}). ${CREDENTIALS_HINT}`,
      { cause: err },
    );
  }
  if (isAccessDenied(err)) {
    return new DiscoveryError(`${operation} was denied (${name}: ${message}). ${CREDENTIALS_HINT}`, {
      cause: err,
    });
  }
  if (name === "CredentialsProviderError") {
    return new DiscoveryError(`${operation}: no AWS credentials found (${message}). ${CREDENTIALS_HINT}`, {
      cause: err,
    });
  }
  return new DiscoveryError(`${operation} failed: ${name}: ${message}`, { cause: err });
}

function isParentNotFound(err: unknown): boolean {
  return /^(ParentNotFoundException|ChildNotFoundException|TargetNotFoundException|InvalidInputException|OrganizationalUnitNotFoundException)$/.test(
    errorName(err),
  );
}

/** A failed listing under an OU: a wrong ID says so, anything else is wrapped as usual. */
export function ouListingError(where: string, operation: string, err: unknown): DiscoveryError {
  return isParentNotFound(err)
    ? new DiscoveryError(
        `${where} is not an organizational unit or root of this organization (${errorName(err)}: ${errorMessage(err)}). ` +
          "Check the ID (aws organizations list-roots, aws organizations list-organizational-units-for-parent) " +
          "or remove it from organizationalUnits.",
        { cause: err },
      )
    : wrap(operation, err);
}
