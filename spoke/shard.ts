// Which shard of the spoke stacks an account belongs to. The answer depends only on the account ID
// and the shard count, never on where the account appears in a list, so accounts joining or leaving
// the organization never move the others from one spoke stack to another.
import { createHash } from "node:crypto";
import type { Shard } from "./config";

const MASK_64 = (1n << 64n) - 1n;
const JUMP_MULTIPLIER = 2862933555777941757n;

/** First 8 bytes of sha256(accountId), as an unsigned 64-bit key. */
function accountKey(accountId: string): bigint {
  return createHash("sha256").update(accountId, "utf8").digest().readBigUInt64BE(0);
}

/**
 * Shard (1..count) of an account. Jump consistent hash (Lamping & Veach, 2014) over a sha256 key:
 * uniform, stable when accounts are added or removed, and when `count` grows from n to n+1 only
 * about 1/(n+1) of the accounts move, all of them into the new shard n+1.
 */
export function shardOf(accountId: string, count: number): number {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`shard count must be an integer >= 1, got ${count}`);
  let key = accountKey(accountId);
  let b = -1;
  let j = 0;
  while (j < count) {
    b = j;
    key = (key * JUMP_MULTIPLIER + 1n) & MASK_64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(key >> 33n) + 1)));
  }
  return b + 1;
}

export function inShard(accountId: string, shard: Shard): boolean {
  return shardOf(accountId, shard.count) === shard.index;
}
