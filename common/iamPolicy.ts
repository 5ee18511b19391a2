// Small builders for IAM policy documents, shared by hub and spoke so that every service trust
// carries the same confused-deputy conditions.
import * as pulumi from "@pulumi/pulumi";

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action: string | string[];
  Resource?: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export function policyDocument(statements: Statement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** Confused-deputy guard for a service principal: only on behalf of this account (and resource). */
export function sourceConditions(
  accountId: pulumi.Input<string>,
  sourceArnLike?: pulumi.Input<string>,
): NonNullable<Statement["Condition"]> {
  const condition: NonNullable<Statement["Condition"]> = { StringEquals: { "aws:SourceAccount": accountId } };
  if (sourceArnLike !== undefined) condition.ArnLike = { "aws:SourceArn": sourceArnLike };
  return condition;
}

/**
 * Trust policy letting an AWS service assume a role, only on behalf of `accountId` (and, when
 * given, only for resources matching `sourceArnLike`), so another account cannot borrow it.
 */
export function serviceTrustPolicy(
  service: string,
  accountId: pulumi.Input<string>,
  sourceArnLike?: pulumi.Input<string>,
): pulumi.Output<string> {
  return policyDocument([
    {
      Sid: "TrustedServiceForThisAccountOnly",
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      Condition: sourceConditions(accountId, sourceArnLike),
    },
  ]);
}
