// What a triggered spoke run costs when one account joins (issue 23 §3): the spoke program under the
// existing mocks (testkit/program.ts) over N accounts, then over the same N plus one new account. The
// resources of the two runs are compared by type, name and inputs, as the engine would: what it would
// create, update and delete. Only the new account's resources may differ; anything else is an error.
// The program time is the second run's, recorded without inputs (lightweight), as the spoke benchmark
// records it.
//   npx tsx scripts/bench/coverageRun.ts 100 300
import { FakeOrganization, startFakeOrganization } from "../../testkit/fakeOrganization";
import { runProgram, type RecordedResource, type RunOptions } from "../../testkit/program";

const MANAGEMENT = "111111111111";
/** Outside the generated accounts' range (900000000000 and up). */
export const NEW_ACCOUNT = "899999999999";
const HUB_BUS = "arn:aws:events:us-east-1:222222222222:event-bus/root-activity";

export interface AccountAddedMeasure {
  accounts: number;
  /** The second run, lightweight: process start of the program to resources registered, ms. */
  wallMs: number;
  maxRssBytes: number;
  resourcesBefore: number;
  created: string[];
  updated: string[];
  deleted: string[];
}

/** The spoke template with the hub bus and the 17 default regions, run as the management account. */
function spokeRun(env: Record<string, string>, lightweight: boolean): RunOptions {
  return {
    stackFile: "Pulumi.spoke-template.yaml",
    stack: "spoke-bench-coverage",
    callerAccountId: MANAGEMENT,
    overrides: { hubEventBusArn: HUB_BUS, hubStack: null, regions: null },
    env,
    lightweight,
    timeoutMs: 1_800_000,
  };
}

async function runOver(org: FakeOrganization, lightweight: boolean) {
  const fake = await startFakeOrganization(org);
  try {
    const r = await runProgram(spokeRun(fake.env, lightweight));
    if (r.error) throw new Error(`spoke program failed: ${r.error}\n${r.stderr}`);
    return r;
  } finally {
    await fake.aws.close();
  }
}

const keyOf = (r: RecordedResource) => `${r.type}::${r.name}`;

/** N accounts, then N + 1: what would change, and how long the second program run takes. */
export async function measureAccountAdded(accounts: number): Promise<AccountAddedMeasure> {
  const org = new FakeOrganization({ managementAccountId: MANAGEMENT, pageSize: 20 });
  org.addAccount({ id: MANAGEMENT, name: "management" });
  org.addManyAccounts(accounts - 1);
  const before = await runOver(org, false);
  org.addAccount({ id: NEW_ACCOUNT, name: "just-created" });
  const after = await runOver(org, false);
  const timed = await runOver(org, true);

  const old = new Map(before.resources.map((r) => [keyOf(r), JSON.stringify(r.inputs)]));
  const now = new Map(after.resources.map((r) => [keyOf(r), JSON.stringify(r.inputs)]));
  const created = [...now.keys()].filter((k) => !old.has(k));
  const deleted = [...old.keys()].filter((k) => !now.has(k));
  const updated = [...now.keys()].filter((k) => old.has(k) && old.get(k) !== now.get(k));
  const foreign = [...created, ...deleted, ...updated].filter((k) => !k.includes(NEW_ACCOUNT));
  if (foreign.length > 0) {
    throw new Error(`adding ${NEW_ACCOUNT} changed other resources too:\n${foreign.slice(0, 20).join("\n")}`);
  }
  if (timed.wallMs === undefined || timed.maxRssBytes === undefined)
    throw new Error("the program run reported no time");
  return {
    accounts,
    wallMs: timed.wallMs,
    maxRssBytes: timed.maxRssBytes,
    resourcesBefore: before.resources.length,
    created: created.sort(),
    updated,
    deleted,
  };
}

/** One Markdown row per measure. */
export function accountAddedTable(rows: AccountAddedMeasure[]): string {
  const lines = [
    "| Accounts in the stack | Program time (s) | Peak RSS (MiB) | Resources before | Created | Updated | Deleted |",
    "|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.accounts} → ${r.accounts + 1} | ${(r.wallMs / 1000).toFixed(1)} | ${(r.maxRssBytes / 2 ** 20).toFixed(0)} | ${r.resourcesBefore} | ${r.created.length} | ${r.updated.length} | ${r.deleted.length} |`,
    );
  }
  return lines.join("\n");
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number);
  void (async () => {
    const rows: AccountAddedMeasure[] = [];
    for (const n of sizes.length ? sizes : [100, 300]) rows.push(await measureAccountAdded(n));
    console.log(accountAddedTable(rows));
    const kinds: Record<string, number> = {};
    for (const k of rows[0]?.created ?? []) {
      const type = k.split("::")[0] as string;
      kinds[type] = (kinds[type] ?? 0) + 1;
    }
    console.log(`\nCreated for the new account: ${JSON.stringify(kinds)}`);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
