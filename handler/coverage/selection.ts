// Which spoke stacks an account concerns, from each stack's selection as its stack file says (the
// hub embeds them as plain data when it deploys). The shard is the spoke's own `shardOf`, so the
// two can never disagree.
import { shardOf } from "../../spoke/shard";

/** What a spoke stack selects: the fields of its Pulumi.<stack>.yaml that decide it. */
export interface SpokeSelection {
  /** The stack's name, as in Pulumi.<stack>.yaml. */
  stack: string;
  /** [index, count], 1-based; absent for one stack over everything ("1/1"). */
  shard?: [number, number];
  organizationalUnits?: string[];
  include?: string[];
  exclude?: string[];
  regions: string[];
}

export interface Concerned {
  stack: string;
  /** False when the stack selects by OU and the account's OU (or its place under those OUs) is unknown. */
  certain: boolean;
}

/** Where the account is: `parentIds` are the OUs it is (or was) directly under, when known. */
export interface AccountPlace {
  accountId?: string;
  parentIds?: string[];
}

/**
 * The stacks whose selection may include the account: every stack when its ID is unknown. A stack
 * that selects by OU counts when the account is directly under one of them, and also (uncertain)
 * when its OU is unknown or another one, which may sit under a selected OU: better one update that
 * changes nothing than an account left unwatched.
 */
export function stacksFor(place: AccountPlace, stacks: SpokeSelection[]): Concerned[] {
  const id = place.accountId;
  if (id === undefined) return stacks.map((s) => ({ stack: s.stack, certain: false }));
  const out: Concerned[] = [];
  for (const s of stacks) {
    if (s.exclude?.includes(id)) continue;
    if (s.shard && shardOf(id, s.shard[1]) !== s.shard[0]) continue;
    const ous = s.organizationalUnits ?? [];
    const include = s.include ?? [];
    if (ous.length === 0 && include.length === 0) out.push({ stack: s.stack, certain: true });
    else if (include.includes(id)) out.push({ stack: s.stack, certain: true });
    else if (ous.length === 0) continue;
    else if ((place.parentIds ?? []).some((p) => ous.includes(p)))
      out.push({ stack: s.stack, certain: true });
    else out.push({ stack: s.stack, certain: false });
  }
  return out;
}

/** Whether any of `stacks` that concern the account watches `region`. */
export function regionWatched(
  accountId: string | undefined,
  region: string,
  stacks: SpokeSelection[],
): boolean {
  const concerned = stacksFor({ accountId }, stacks).map((c) => c.stack);
  return stacks.some((s) => concerned.includes(s.stack) && s.regions.includes(region));
}

/** The list as the hub embeds it: regions given once for every stack that watches the defaults. */
export interface EmbeddedSelections {
  defaultRegions: string[];
  stacks: (Omit<SpokeSelection, "regions"> & { regions?: string[] })[];
}

export function embedSelections(stacks: SpokeSelection[], defaultRegions: string[]): string {
  const same = (r: string[]) =>
    r.length === defaultRegions.length && r.every((x) => defaultRegions.includes(x));
  const out: EmbeddedSelections = {
    defaultRegions,
    stacks: stacks.map(({ regions, ...rest }) => (same(regions) ? rest : { ...rest, regions })),
  };
  return JSON.stringify(out);
}

/** The embedded list, checked: a malformed one is a deploy bug, said loudly. */
export function parseSelections(raw: string | undefined): SpokeSelection[] {
  if (!raw) return [];
  const parsed = JSON.parse(raw) as Partial<EmbeddedSelections>;
  if (!Array.isArray(parsed.stacks) || !Array.isArray(parsed.defaultRegions))
    throw new Error("SPOKE_STACKS is not {defaultRegions, stacks}");
  const defaults = parsed.defaultRegions;
  return parsed.stacks.map((s) => {
    if (typeof s?.stack !== "string")
      throw new Error(`SPOKE_STACKS has an entry without a stack: ${JSON.stringify(s)}`);
    return { ...s, regions: s.regions ?? defaults };
  });
}
