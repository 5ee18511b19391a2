// common/awsNames.ts: partitions, ARN builders, the bus-ARN parse and the SDK error name.
import { describe, expect, it } from "vitest";
import {
  accountRootArn,
  errorName,
  isAccountId,
  parseBusArn,
  partitionOf,
  REGION,
  roleArn,
} from "../../common/awsNames";

describe("partitionOf and the ARN builders", () => {
  it("names the partition of commercial, China, GovCloud and isolated regions", () => {
    expect(partitionOf("eu-west-1")).toBe("aws");
    expect(partitionOf("cn-north-1")).toBe("aws-cn");
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
    expect(partitionOf("us-iso-east-1")).toBe("aws-iso");
    expect(partitionOf("us-isob-east-1")).toBe("aws-iso-b");
    expect(partitionOf("eu-isoe-west-1")).toBe("aws-iso-e");
  });

  it("builds IAM ARNs in the region's partition", () => {
    expect(roleArn(partitionOf("us-gov-west-1"), "123456789012", "Member")).toBe(
      "arn:aws-us-gov:iam::123456789012:role/Member",
    );
    expect(accountRootArn("aws-cn", "123456789012")).toBe("arn:aws-cn:iam::123456789012:root");
    expect(roleArn("aws", "123456789012", "OrganizationAccountAccessRole")).toBe(
      "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
    );
  });
});

describe("ID, region and bus-ARN shapes", () => {
  it("reads a GovCloud bus ARN, and refuses what is not a bus", () => {
    expect(parseBusArn("arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/root-activity")).toEqual({
      partition: "aws-us-gov",
      region: "us-gov-west-1",
      accountId: "123456789012",
      name: "root-activity",
    });
    expect(parseBusArn("arn:aws:events:us-east-1:123456789012:rule/root-activity")).toBeUndefined();
    expect(parseBusArn("arn:aws:events:us-east-1:12345:event-bus/x")).toBeUndefined();
  });

  it("accepts 12-digit account IDs and region names only", () => {
    expect(isAccountId("012345678901")).toBe(true);
    expect(isAccountId("12345678901")).toBe(false);
    expect(isAccountId(123456789012)).toBe(false);
    expect(["us-east-1", "us-gov-west-1", "cn-northwest-1"].every((r) => REGION.test(r))).toBe(true);
    expect(REGION.test("us-east")).toBe(false);
  });
});

describe("errorName", () => {
  it("takes the SDK's name, else Code or code, else Error", () => {
    expect(errorName(Object.assign(new Error("x"), { name: "AccessDeniedException" }))).toBe(
      "AccessDeniedException",
    );
    expect(errorName({ Code: "ThrottlingException" })).toBe("ThrottlingException");
    expect(errorName(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }))).toBe("ECONNREFUSED");
    expect(errorName(new Error("plain"))).toBe("Error");
    expect(errorName("a string")).toBe("Error");
    expect(errorName(null)).toBe("Error");
  });
});
