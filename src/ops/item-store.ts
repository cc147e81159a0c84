/**
 * @module ops/item-store
 * Reading and writing single items: the read-modify-write loop every item
 * write uses. A write reads the current item, computes the next version with
 * a caller's `apply` (which must be safe to call again), and commits the item
 * and its index entries in one commit that expects the item unchanged; if
 * another writer came first, it reads again and retries.
 */
import { CommitConflictError } from '../storage/engine.js';
import type { KvWrite } from '../storage/engine.js';
import type { Database } from '../db/database.js';
import type { TableRecord } from '../catalog/table-record.js';
import { allIndexes } from '../catalog/table-record.js';
import { indexWrites, itemKey } from '../indexes/index-entries.js';
import type { Item } from '../values/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface StoredItem {
  readonly item: Item;
  /** The stored bytes: the item's JSON wire form. */
  readonly raw: Uint8Array;
}

export function decodeItem(raw: Uint8Array): Item {
  return JSON.parse(decoder.decode(raw)) as Item;
}

export function encodeItem(item: Item): Uint8Array {
  return encoder.encode(JSON.stringify(item));
}

export async function readItem(db: Database, table: TableRecord, key: Item): Promise<StoredItem | undefined> {
  const raw = await db.engine.get(itemKey(table, key));
  return raw === undefined ? undefined : { item: decodeItem(raw), raw };
}

/** What `apply` decides: the item's next version, or undefined to delete it. */
export type ApplyResult = { readonly next: Item | undefined } | 'unchanged';

export interface WriteOutcome {
  readonly old: Item | undefined;
  readonly next: Item | undefined;
  /** Sizes, for consumed capacity. */
  readonly oldRaw: Uint8Array | undefined;
  readonly nextRaw: Uint8Array | undefined;
}

/** Bounds the retry loop; a conflict this persistent means something is wrong. */
const MAX_ATTEMPTS = 1000;

export async function writeItem(
  db: Database,
  table: TableRecord,
  key: Item,
  apply: (old: Item | undefined) => ApplyResult,
): Promise<WriteOutcome> {
  const storageKey = itemKey(table, key);
  const indexes = allIndexes(table);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const oldRaw = await db.engine.get(storageKey);
    const old = oldRaw === undefined ? undefined : decodeItem(oldRaw);
    const decision = apply(old);
    if (decision === 'unchanged') return { old, next: old, oldRaw, nextRaw: oldRaw };
    const next = decision.next;
    const nextRaw = next === undefined ? undefined : encodeItem(next);
    if (next === undefined && old === undefined) return { old, next, oldRaw, nextRaw };
    const writes: KvWrite[] = [{ key: storageKey, value: nextRaw ?? null }];
    if (indexes.length > 0) writes.push(...indexWrites(table, indexes, old, next));
    try {
      await db.engine.commit(writes, [{ key: storageKey, value: oldRaw ?? null }]);
      return { old, next, oldRaw, nextRaw };
    } catch (e) {
      if (!(e instanceof CommitConflictError)) throw e;
    }
  }
  throw new Error(`write to ${table.name} did not settle after ${MAX_ATTEMPTS} attempts`);
}
