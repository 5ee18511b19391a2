// Every reference event in tests/fixtures, classified by hand. A new fixture fails the coverage test
// until it is added to the table below.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createNotifier } from "../../../handler/notifier";
import type { Severity } from "../../../handler/records";
import { isValidSnsSubject } from "../../../handler/support/text";
import { readable, type ReadablePublish } from "../../../testkit/published";
import { TESTS_DIR } from "../../../testkit/paths";

const FIXTURES = path.join(TESTS_DIR, "fixtures");

type Expected =
  | { decision: "skip"; reason: RegExp }
  | { decision: "alert"; severity: Severity; subject: string; body: (string | RegExp)[] };

const NAME = "prod-payments";
const link = (region: string, id: string) =>
  `https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events/${id}`;

const TABLE: Record<string, Expected> = {
  // Centralized root access: the AssumeRoot call alerts from the caller's record, by task policy.
  "assumedrole-assumeroot.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] AssumeRoot S3UnlockBucketPolicy into 222222222222 in ${NAME} (111111111111)`,
    body: [/Task policy:\s+S3UnlockBucketPolicy/, /Session key:\s+not recorded/, /Region:\s+us-west-2/],
  },
  "assumeroot-s3unlockbucketpolicy.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] AssumeRoot S3UnlockBucketPolicy into 444455556666 in ${NAME} (111111111111)`,
    body: [
      /Access:\s+AssumeRoot call: opens a root session in the target account/,
      /Target account:\s+prod-payments \(444455556666\)/,
      /Session issuer:\s+arn:aws:iam::111111111111:role\/RootAccessAdmins/,
      /Source identity:\s+alice@example\.com/,
      /Session key:\s+ASIAEXAMPLEROOTS3UN1/,
      /Identity:\s+arn:aws:sts::111111111111:assumed-role\/RootAccessAdmins\/alice/,
      /Result:\s+success/,
      "198.51.100.24",
      "md/command#sts.assume-root",
      "2026-03-02 10:00:12 UTC",
    ],
  },
  "assumeroot-iamcreaterootuserpassword.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] AssumeRoot IAMCreateRootUserPassword into 444455556666 in ${NAME} (111111111111)`,
    body: [/Region:\s+eu-west-1/, /set a root password/],
  },
  "assumeroot-iamauditrootusercredentials.json": {
    decision: "alert",
    severity: "low",
    subject: `[LOW] AssumeRoot IAMAuditRootUserCredentials into 444455556666 in ${NAME} (111111111111)`,
    body: [/only audit or delete root credentials/],
  },
  "assumeroot-failure-sqsunlockqueuepolicy.json": {
    decision: "alert",
    severity: "medium",
    subject: `[MEDIUM] AssumeRoot SQSUnlockQueuePolicy into 444455556666 in ${NAME} (111111111111)`,
    body: [
      /Result:\s+FAILED: errorCode AccessDenied, errorMessage "User: arn:aws:sts::111111111111:assumed-role\/RootAccessAdmins\/alice is not authorized/,
      /Session key:\s+not recorded/,
      /refused AssumeRoot/,
    ],
  },
  // The same call as recorded in the target account: the rules leave it out, the notifier skips it.
  "awsaccount-assumeroot-target-copy.json": {
    decision: "skip",
    reason: /userIdentity\.type is AWSAccount, not the caller of AssumeRoot/,
  },
  "federateduser-root-issued-putbucketpolicy.json": {
    decision: "alert",
    severity: "medium",
    subject: `[MEDIUM] Root PutBucketPolicy in ${NAME} (777788889999)`,
    body: [
      /Access:\s+a session root issued with GetFederationToken \(arn:aws:iam::777788889999:root\)/,
      "arn:aws:sts::777788889999:federated-user/ops-break-glass",
    ],
  },
  "root-session-deletebucketpolicy.json": {
    decision: "alert",
    severity: "medium",
    subject: `[MEDIUM] Root DeleteBucketPolicy in ${NAME} (444455556666)`,
    body: [
      /Access:\s+temporary root credentials: an AssumeRoot session or a root GetSessionToken; not attributed yet: search the management account's CloudTrail for the AssumeRoot that returned ASIAEXAMPLEROOTS3UN1/,
    ],
  },
  "root-getsessiontoken.json": {
    decision: "alert",
    severity: "low",
    subject: `[LOW] Root GetSessionToken in ${NAME} (777788889999)`,
    body: [/Identity:\s+arn:aws:iam::777788889999:root, access key AKIAEXAMPLELONGTERM1/],
  },
  "root-session-getsessiontoken-createuser.json": {
    decision: "alert",
    severity: "medium",
    subject: `[MEDIUM] Root CreateUser in ${NAME} (777788889999)`,
    body: [
      /Access:\s+temporary root credentials: an AssumeRoot session or a root GetSessionToken; not attributed yet/,
    ],
  },
  // The account-takeover path, and the rest of the root event set.
  "root-emailupdated.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root EmailUpdated in ${NAME} (123456789012)`,
    body: ["console sign-in", /recover the root password/],
  },
  "root-startprimaryemailupdate.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root StartPrimaryEmailUpdate in ${NAME} (123456789012)`,
    body: [/Event:\s+StartPrimaryEmailUpdate \(account\.amazonaws\.com\)/, "AWS Support"],
  },
  "root-acceptprimaryemailupdate.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root AcceptPrimaryEmailUpdate in ${NAME} (123456789012)`,
    body: [/Event:\s+AcceptPrimaryEmailUpdate \(account\.amazonaws\.com\)/],
  },
  "root-passwordrecoveryrequested.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root PasswordRecoveryRequested in ${NAME} (123456789012)`,
    body: ["console sign-in", /being recovered/],
  },
  "root-passwordrecoverycompleted.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root PasswordRecoveryCompleted in ${NAME} (123456789012)`,
    body: [/Result:\s+success/],
  },
  "root-putcontactinformation.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root PutContactInformation in ${NAME} (123456789012)`,
    body: [/takeover step/, "HIDDEN_DUE_TO_SECURITY_REASONS"],
  },
  "root-putalternatecontact.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root PutAlternateContact in ${NAME} (123456789012)`,
    body: [/takeover step/, '"alternateContactType": "SECURITY"'],
  },
  "root-deletealternatecontact.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root DeleteAlternateContact in ${NAME} (123456789012)`,
    body: [/takeover step/, '"alternateContactType": "BILLING"'],
  },
  "root-leaveorganization.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root LeaveOrganization in ${NAME} (123456789012)`,
    body: [/Event:\s+LeaveOrganization \(organizations\.amazonaws\.com\)/, /organization membership/],
  },
  "root-createvirtualmfadevice.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root CreateVirtualMFADevice in ${NAME} (123456789012)`,
    body: [/contacts or MFA/],
  },
  "root-resyncmfadevice.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root ResyncMFADevice in ${NAME} (123456789012)`,
    body: [/contacts or MFA/],
  },
  "root-uploadsigningcertificate.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root UploadSigningCertificate in ${NAME} (123456789012)`,
    body: [/A key for the root user itself/],
  },
  "root-uploadcloudfrontpublickey.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root UploadCloudFrontPublicKey in ${NAME} (123456789012)`,
    body: [/A key for the root user itself/, "BEGIN PUBLIC KEY"],
  },
  "assumedrole-consolelogin-failure.json": { decision: "skip", reason: /userIdentity\.type is AssumedRole/ },
  "assumedrole-getcalleridentity-readonly.json": {
    decision: "skip",
    reason: /userIdentity\.type is AssumedRole/,
  },
  "awsservice-sts-assumerole-ec2.json": { decision: "skip", reason: /invokedBy ec2\.amazonaws\.com/ },
  "awsserviceevent-kms-rotatekey.json": { decision: "skip", reason: /AwsServiceEvent/ },
  "iamuser-consolelogin-success-mfa.json": { decision: "skip", reason: /userIdentity\.type is IAMUser/ },
  "iamuser-consolelogin-success-nomfa.json": { decision: "skip", reason: /userIdentity\.type is IAMUser/ },
  "iamuser-createaccesskey.json": { decision: "skip", reason: /userIdentity\.type is IAMUser/ },
  "iamuser-deletetrail.json": { decision: "skip", reason: /userIdentity\.type is IAMUser/ },
  "iamuser-startlogging-invokedby-signin.json": { decision: "skip", reason: /userIdentity\.type is IAMUser/ },
  "iamuser-stoplogging.json": { decision: "skip", reason: /userIdentity\.type is IAMUser/ },
  "root-invokedby-elb-deletenetworkinterface.json": {
    decision: "skip",
    reason: /invokedBy elasticloadbalancing\.amazonaws\.com/,
  },
  "root-consolelogin-success-nomfa.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root ConsoleLogin in ${NAME} (111122223333)`,
    body: [
      "console sign-in",
      /MFA used:\s+no \(MFAUsed = "No"\)/,
      /Result:\s+success/,
      "192.0.2.0",
      "2022-11-10 16:24:34 UTC",
      link("us-east-1", "deb1e1f9-c99b-4612-8e9f-21f93b5d79c0"),
    ],
  },
  "root-consolelogin-success-mfa.json": {
    decision: "alert",
    severity: "medium",
    subject: `[MEDIUM] Root ConsoleLogin in ${NAME} (111122223333)`,
    body: [/MFA used:\s+yes \(MFAUsed = "YES"\)/, /Result:\s+success/, "Firefox/62.0"],
  },
  "root-consolelogin-failure.json": {
    decision: "alert",
    severity: "medium",
    subject: `[MEDIUM] Root ConsoleLogin in ${NAME} (111122223333)`,
    body: [/Result:\s+FAILED: errorMessage "Failed authentication"/, /MFA used:\s+no/],
  },
  "root-consolelogin-streamalert-envelope.json": {
    decision: "alert",
    severity: "medium",
    // recipientAccountId "12345" is not an account ID: no lookup, the ID alone.
    subject: "[MEDIUM] Root ConsoleLogin in 12345",
    body: [
      /Account:\s+12345 \(account name unavailable: "12345" is not a 12-digit account ID\)/,
      /Result:\s+unknown \(responseElements\.ConsoleLogin = "\.\.\."\)/,
      /MFA used:\s+yes/,
      /CloudTrail console:\s+link not available/,
      /Time \(UTC\):\s+\.\.\. \(not a valid timestamp\)/,
    ],
  },
  "root-invokedby-signin-streamalert-envelope.json": {
    decision: "alert",
    severity: "medium",
    subject: "[MEDIUM] Root ... in 12345",
    body: [/How:\s+API call made in the AWS console \(invokedBy signin\.amazonaws\.com\)/, "AWS Internal"],
  },
  "root-createaccesskey-noinvokedby.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root CreateAccessKey in ${NAME} (493859302102)`,
    body: [
      /Event:\s+CreateAccessKey \(iam\.amazonaws\.com\)/,
      "92.55.146.245",
      "console.amazonaws.com",
      /Read-only:\s+not recorded/,
    ],
  },
  "root-createaccesskey-invokedby-signin.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root CreateAccessKey in ${NAME} (123456789012)`,
    body: [/How:\s+API call made in the AWS console/, link("us-east-1", "1111"), "delete it now"],
  },
  "root-createaccesskey-for-iamuser.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root CreateAccessKey in ${NAME} (123456789012)`,
    body: ['"userName": "example-user"', /key for an IAM user/],
  },
  "root-stoplogging-error.json": {
    decision: "alert",
    severity: "critical",
    subject: `[CRITICAL] Root StopLogging in ${NAME} (493859302102)`,
    body: [
      /Result:\s+FAILED: errorCode NotOrganizationMasterAccountException, errorMessage "Cannot stop trail, not master trail\."/,
      /Event:\s+StopLogging \(cloudtrail\.amazonaws\.com\)/,
    ],
  },
  "root-readonly-listaccesskeys.json": {
    decision: "alert",
    severity: "low",
    subject: `[LOW] Root ListAccessKeys in ${NAME} (123456789012)`,
    body: [/Read-only:\s+yes/, /How:\s+API call \(CLI, SDK or console/],
  },
  "root-createservicelinkedrole.json": {
    decision: "alert",
    severity: "medium",
    subject: `[MEDIUM] Root CreateServiceLinkedRole in ${NAME} (123456789012)`,
    body: [/Region:\s+us-west-2/, link("us-west-2", "1"), /MFA session:\s+no/],
  },
  "root-putbucketversioning.json": {
    decision: "alert",
    severity: "medium",
    subject: `[MEDIUM] Root PutBucketVersioning in ${NAME} (123456789012)`,
    body: [/Event:\s+PutBucketVersioning \(s3\.amazonaws\.com\)/, "111.111.111.111"],
  },
  "root-enablemfadevice.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root EnableMFADevice in ${NAME} (111122223333)`,
    body: [/Read-only:\s+no/, "Coral/Netty4"],
  },
  "root-passwordupdated.json": {
    decision: "alert",
    severity: "high",
    subject: `[HIGH] Root PasswordUpdated in ${NAME} (111122223333)`,
    body: [/Result:\s+success/, "console sign-in", /password/i],
  },
  "root-externalidp-login-failure.json": {
    decision: "alert",
    severity: "medium",
    subject: "[MEDIUM] Root ExternalIdPDirectoryLogin in redacted",
    body: [
      /Result:\s+FAILED: errorMessage "Not a valid response/,
      /Time \(UTC\):\s+redacted \(not a valid timestamp\)/,
    ],
  },
};

function fixtureNames(): string[] {
  return fs
    .readdirSync(FIXTURES)
    .filter((f) => f.endsWith(".json"))
    .sort();
}

function loadFixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as unknown;
}

async function run(envelope: unknown) {
  const published: ReadablePublish[] = [];
  const logs: Record<string, unknown>[] = [];
  const lookups: string[] = [];
  const notifier = createNotifier({
    topicArn: "arn:aws:sns:us-east-1:999999999999:root-alerts",
    publish: async (m) => {
      published.push(readable(m));
    },
    lookupAccountName: async (id) => {
      lookups.push(id);
      return NAME;
    },
    log: (l) => logs.push(l),
    now: () => new Date("2026-01-02T03:04:05Z"),
  });
  // As SQS delivers it, and as a bare envelope: both must agree.
  const sqs = await notifier.handle({ Records: [{ messageId: "m-1", body: JSON.stringify(envelope) }] });
  const viaSqs = [...published];
  published.length = 0;
  const bare = await notifier.handle(envelope);
  return { sqs, bare, viaSqs, viaBare: [...published], logs, lookups };
}

describe("fixture classification table", () => {
  it("covers every fixture file, and nothing else", () => {
    expect(Object.keys(TABLE).sort()).toEqual(fixtureNames());
  });

  it("has both decisions and every severity below critical represented", () => {
    const rows = Object.values(TABLE);
    expect(rows.filter((r) => r.decision === "skip").length).toBeGreaterThan(0);
    const severities = new Set(rows.flatMap((r) => (r.decision === "alert" ? [r.severity] : [])));
    expect([...severities].sort()).toEqual(["critical", "high", "low", "medium"]);
  });

  for (const [file, expected] of Object.entries(TABLE)) {
    it(`${file}: ${expected.decision}${expected.decision === "alert" ? ` ${expected.severity}` : ""}`, async () => {
      const r = await run(loadFixture(file));
      expect(r.sqs).toEqual({ batchItemFailures: [] });
      expect(r.bare).toBeUndefined();
      if (expected.decision === "skip") {
        expect(r.viaSqs).toEqual([]);
        expect(r.viaBare).toEqual([]);
        expect(r.lookups).toEqual([]);
        const skipLogs = r.logs.filter((l) => l.decision === "skip");
        expect(skipLogs).toHaveLength(2);
        expect(String(skipLogs[0]?.reason)).toMatch(expected.reason);
        return;
      }
      expect(r.viaSqs).toHaveLength(1);
      expect(r.viaBare).toHaveLength(1);
      const msg = r.viaSqs[0]!;
      expect(msg.topicArn).toBe("arn:aws:sns:us-east-1:999999999999:root-alerts");
      expect(msg.subject).toBe(expected.subject);
      expect(isValidSnsSubject(msg.subject)).toBe(true);
      expect(msg.attributes.severity).toBe(expected.severity);
      expect(msg.message).toContain(`Severity:`);
      expect(msg.message).toMatch(new RegExp(`Severity:\\s+${expected.severity.toUpperCase()}:`));
      expect(msg.message).toContain("WHAT TO DO NOW:");
      for (const want of expected.body) {
        if (typeof want === "string") expect(msg.message).toContain(want);
        else expect(msg.message).toMatch(want);
      }
      // The bare-envelope path produces the same alert (the SQS path adds its message id).
      expect(r.viaBare[0]!.subject).toBe(msg.subject);
      expect(msg.message).toContain("SQS message id m-1");
      const alertLog = r.logs.find((l) => l.msg === "alert published");
      expect(alertLog).toMatchObject({ level: "info", decision: "alert", severity: expected.severity });
    });
  }
});
