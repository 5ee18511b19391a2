// Runs the real spoke program under Pulumi mocks against a fake organization of N accounts.
import { FakeOrganization, startFakeOrganization } from "../../testkit/fakeOrganization";
import { runProgram, type ProgramRun } from "../../testkit/program";

export const MANAGEMENT_ACCOUNT = "111111111111";
export const HUB_BUS_ARN = "arn:aws:events:us-east-1:222222222222:event-bus/root-activity";

export interface SpokeMeasure {
  accounts: number;
  shard?: string;
  /** Accounts this run covered (its share when sharded). */
  covered: number;
  regions: number;
  resources: number;
  byType: Record<string, number>;
  wallMs: number;
  maxRssBytes: number;
  /** Wall time of the whole child process as seen from here (Node and TypeScript start-up included). */
  processMs: number;
  /** In the child, from process start to resources registered and outputs resolved. */
  sinceStartMs?: number;
}

/** An organization of `count` ACTIVE accounts: the management account (the caller) and count-1 members. */
export function benchOrganization(count: number): FakeOrganization {
  const org = new FakeOrganization({ managementAccountId: MANAGEMENT_ACCOUNT, pageSize: 20 });
  org.addAccount({ id: MANAGEMENT_ACCOUNT, name: "management" });
  org.addManyAccounts(count - 1);
  return org;
}

export async function runSpoke(
  accounts: number,
  opts: { shard?: string; env?: Record<string, string> } = {},
): Promise<SpokeMeasure> {
  const fake = await startFakeOrganization(benchOrganization(accounts));
  let run: ProgramRun;
  const t0 = performance.now();
  try {
    run = await runProgram({
      stackFile: "Pulumi.spoke-template.yaml",
      stack: opts.shard ? `spoke-bench-${opts.shard.replace("/", "of")}` : "spoke-bench",
      callerAccountId: MANAGEMENT_ACCOUNT,
      overrides: {
        hubEventBusArn: HUB_BUS_ARN,
        hubStack: null,
        regions: null, // the 17 default regions
        ...(opts.shard ? { shard: opts.shard } : {}),
      },
      env: { ...fake.env, ...opts.env },
      lightweight: true,
      // The 1,000-account run takes over 10 minutes on a busy 2-core machine.
      timeoutMs: 1_800_000,
    });
  } finally {
    await fake.aws.close();
  }
  const processMs = performance.now() - t0;
  if (run.error) throw new Error(`spoke program (${accounts} accounts) failed: ${run.error}\n${run.stderr}`);
  const counts = run.outputs?.counts as { accounts: number; regions: number } | undefined;
  const byType: Record<string, number> = {};
  for (const r of run.resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    accounts,
    shard: opts.shard,
    covered: counts?.accounts ?? NaN,
    regions: counts?.regions ?? NaN,
    resources: run.resources.length,
    byType,
    wallMs: run.wallMs ?? NaN,
    maxRssBytes: run.maxRssBytes ?? NaN,
    processMs,
    sinceStartMs: (run as { sinceStartMs?: number }).sinceStartMs,
  };
}
