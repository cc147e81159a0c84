/**
 * @module txn/conflict-stamps
 * Telling, after a transaction lost a commit race on an item, whether the
 * winner was another transaction — in another process, where txn/in-flight
 * sees nothing. DynamoDB cancels one of two overlapping transactions on an
 * item with a TransactionConflict reason; a plain write that committed
 * first is simply serialised before the transaction, which reads again.
 *
 * Every write transaction's commit also writes, for each item it changes, a
 * stamp: when it committed (the database clock) and which item. Stamps live
 * in a fixed ring of slots chosen by a hash of the item's storage key, so
 * they never pile up: a slot holds the latest transaction of any item that
 * hashes to it. After losing on an item, the transaction reads that item's
 * slot: a stamp for the same item made after the transaction read it means
 * a transaction committed on the item meanwhile, and the loser is cancelled
 * with TransactionConflict. Anything else (an older stamp, another item's,
 * none) is taken for a plain write and the transaction starts again; a
 * stamp of another item overwriting ours only costs that precision, never
 * correctness, which rests on the commit's expectations alone.
 *
 *   0x01 0x03 <slot u16>     <committed ms u64> <item key hash u32 ×2>
 */
import type { Database } from '../data/database.js';
import type { KvWrite } from '../storage/engine.js';

const PREFIX = [0x01, 0x03] as const;
const SLOTS = 4096;

/** FNV-1a over the key, from a given offset basis (two bases: two independent-enough hashes). */
function fnv1a(key: Uint8Array, basis: number): number {
  let h = basis;
  for (let i = 0; i < key.length; i++) {
    h ^= key[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function slotKey(itemKey: Uint8Array): Uint8Array {
  const slot = fnv1a(itemKey, 0x811c9dc5) % SLOTS;
  return Uint8Array.of(PREFIX[0], PREFIX[1], slot >>> 8, slot & 0xff);
}

function stamp(itemKey: Uint8Array, ms: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(Math.max(0, Math.floor(ms))));
  view.setUint32(8, fnv1a(itemKey, 0x811c9dc5));
  view.setUint32(12, fnv1a(itemKey, 0x050c5d1f));
  return bytes;
}

/** The stamps a transaction committing now writes for the items it changes. */
export function conflictStampWrites(db: Database, changedKeys: readonly Uint8Array[]): KvWrite[] {
  const now = db.clock.now();
  return changedKeys.map((key) => ({ key: slotKey(key), value: stamp(key, now) }));
}

/** Whether a transaction committed a change to the item at `itemKey` at or after `sinceMs`. */
export async function transactionChangedSince(db: Database, itemKey: Uint8Array, sinceMs: number): Promise<boolean> {
  const raw = await db.engine.get(slotKey(itemKey));
  if (raw === undefined || raw.length !== 16) return false;
  const ours = stamp(itemKey, 0);
  for (let i = 8; i < 16; i++) if (raw[i] !== ours[i]) return false;
  const committed = Number(new DataView(raw.buffer, raw.byteOffset, 16).getBigUint64(0));
  return committed >= Math.floor(sinceMs);
}
