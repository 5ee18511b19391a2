// AWS names in one place: the shapes of IDs and ARNs, partition-aware ARN builders, and the SDK's
// error name. No Pulumi or SDK imports: the spoke, the scripts and the serialized notifier all use it.

export const ACCOUNT_ID = /^\d{12}$/;
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
/** An EventBridge bus ARN in any partition: region, account and name captured. */
export const BUS_ARN = /^arn:(aws[a-z-]*):events:([a-z0-9-]+):(\d{12}):event-bus\/([A-Za-z0-9._\-/]+)$/;

/** An ARN of `service` in any partition, region and account; `resource` is a regex source. */
export function arnPattern(service: string, resource: string): RegExp {
  return new RegExp(`^arn:aws[a-z-]*:${service}:${REGION.source.slice(1, -1)}:\\d{12}:${resource}$`);
}

export function isAccountId(v: unknown): v is string {
  return typeof v === "string" && ACCOUNT_ID.test(v);
}

/** The partition a region belongs to (`aws` outside China, GovCloud and the isolated regions). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  return "aws";
}

export function arn(
  partition: string,
  service: string,
  region: string,
  accountId: string,
  resource: string,
): string {
  return `arn:${partition}:${service}:${region}:${accountId}:${resource}`;
}

export function roleArn(partition: string, accountId: string, roleName: string): string {
  return arn(partition, "iam", "", accountId, `role/${roleName}`);
}

/** The principal that stands for a whole account in a trust policy. */
export function accountRootArn(partition: string, accountId: string): string {
  return arn(partition, "iam", "", accountId, "root");
}

export interface BusArn {
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

export function parseBusArn(value: string): BusArn | undefined {
  const m = BUS_ARN.exec(value);
  return m
    ? { partition: m[1] as string, region: m[2] as string, accountId: m[3] as string, name: m[4] as string }
    : undefined;
}

/** An SDK error's name (v3 sets `name`; older shapes `Code` or `code`), or "Error". */
export function errorName(err: unknown): string {
  if (err && typeof err === "object") {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    for (const v of [e.name, e.Code, e.code]) if (typeof v === "string" && v !== "Error") return v;
  }
  return "Error";
}
