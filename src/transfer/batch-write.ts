/**
 * @module transfer/batch-write
 * Many planned puts (data/plan-put's ItemActions, distinct keys, one table)
 * in one commit: what an import or a bulk load sends. Each item is decided
 * exactly as PutItem decides it — its condition against the stored item
 * (`apply`), then data/item-store's itemCommit: the item, its index
 * entries, its stream record — but the batch shares one read (getMany) and
 * one commit, which expects every item as read; on a conflict the whole
 * batch is read and decided again. One commit instead of one per item
 * saves the per-commit cost of a durable engine (an fsync shared or not).
 */
import type { Database } from '../data/database.js';
import type { ItemAction } from '../data/item-action.js';
import { decodeItem, itemCommit } from '../data/item-store.js';
import { streamRecordsOption, type StreamRecordDraft } from '../data/hooks.js';
import { meterCapacity } from '../data/capacity.js';
import { writeCost } from '../data/run-item-write.js';
import { writeUnits } from '../data/capacity.js';
import { itemKey } from '../indexes/index-entries.js';
import { CommitConflictError, type KvExpectation, type KvWrite } from '../storage/engine.js';
import { DynamoError } from '../errors/index.js';
import { itemSize } from '../values/index.js';
import type { Item } from '../values/types.js';

export interface BatchFailure {
  /** The action's position in the batch. */
  readonly index: number;
  readonly error: DynamoError;
}

/** Writes `actions` (distinct keys of one table) in one commit; resolves the ones refused, with why. */
export async function writeActionsInOneCommit(db: Database, actions: readonly ItemAction[]): Promise<BatchFailure[]> {
  if (actions.length === 0) return [];
  const table = actions[0]!.table;
  const keys = actions.map((a) => itemKey(table, a.key));
  for (;;) {
    const raws = await db.engine.getMany(keys);
    const failures: BatchFailure[] = [];
    const writes: KvWrite[] = [];
    const expectations: KvExpectation[] = [];
    const records: StreamRecordDraft[] = [];
    const written: { old: Item | undefined; next: Item }[] = [];
    const refused: (Item | undefined)[] = [];
    for (let i = 0; i < actions.length; i++) {
      const raw = raws[i];
      const old = raw === undefined ? undefined : decodeItem(raw);
      try {
        // #5: an item an in-flight transaction holds refuses plain writes (txn/conflicts).
        db.hooks.assertNotHeld(db, keys[i]!);
        const decision = actions[i]!.apply(old);
        if (decision === 'unchanged' || decision.next === undefined) continue;
        const commit = itemCommit(db, table, keys[i]!, old, raw, decision.next);
        writes.push(...commit.writes);
        expectations.push(commit.expectation);
        records.push(...commit.records);
        written.push({ old, next: decision.next });
      } catch (e) {
        if (!(e instanceof DynamoError)) throw e;
        failures.push({ index: i, error: e });
        refused.push(old);
      }
    }
    try {
      if (writes.length > 0) await db.engine.commit(writes, expectations, streamRecordsOption(records));
    } catch (e) {
      if (e instanceof CommitConflictError) continue;
      throw e;
    }
    // Capacity as PutItem counts it: the written items, and a refused write on the stored item's size.
    for (const w of written) meterCapacity(db.meter, 'write', table.name, writeCost(table, { old: w.old, next: w.next, written: true }));
    for (const old of refused) db.meter.write(table.name, writeUnits(old === undefined ? 0 : itemSize(old)));
    return failures;
  }
}
