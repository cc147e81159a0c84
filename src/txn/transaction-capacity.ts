/**
 * @module txn/transaction-capacity
 * Consumed capacity of transactions. DynamoDB performs two underlying reads
 * or writes of every item in a transaction (one to prepare, one to commit),
 * so a transactional write costs twice a plain write's units and a
 * transactional read twice a strongly consistent read's (developer guide,
 * "Capacity management for transactions"). The factor applies to the table;
 * index entries cost what they cost outside a transaction, and a
 * ConditionCheck is charged as a write of the item it read (dynoxide's
 * captures against DynamoDB). The answer has one entry per table, which
 * also carries WriteCapacityUnits or ReadCapacityUnits.
 */
import type { ReturnConsumedCapacity } from '../data/capacity.js';
import { readUnits } from '../data/capacity.js';
import type { CapacityParts } from '../data/capacity.js';
import type { UsageMeter } from '../metrics/server-metrics.js';

/** Transactions read and write every item twice. */
export const TRANSACTION_FACTOR = 2;

type Axis = 'ReadCapacityUnits' | 'WriteCapacityUnits';

/** Sums capacity per table, in the order tables first appear. */
export class TransactionCapacity {
  private readonly tables = new Map<string, { table: number; local: Map<string, number>; global: Map<string, number> }>();

  constructor(private readonly axis: Axis) {}

  /** Adds one action's parts; `parts.table` should already include the transaction factor. */
  add(tableName: string, parts: CapacityParts): void {
    let entry = this.tables.get(tableName);
    if (entry === undefined) {
      entry = { table: 0, local: new Map(), global: new Map() };
      this.tables.set(tableName, entry);
    }
    entry.table += parts.table;
    for (const [name, units] of Object.entries(parts.localIndexes ?? {})) {
      entry.local.set(name, (entry.local.get(name) ?? 0) + units);
    }
    for (const [name, units] of Object.entries(parts.globalIndexes ?? {})) {
      entry.global.set(name, (entry.global.get(name) ?? 0) + units);
    }
  }

  /** Counts the capacity in the metrics (asked for or not): LSI units to their table, GSI units to the index. */
  count(meter: UsageMeter): void {
    const write = this.axis === 'WriteCapacityUnits';
    for (const [tableName, entry] of this.tables) {
      let table = entry.table;
      for (const units of entry.local.values()) table += units;
      if (write) meter.write(tableName, table);
      else meter.read(tableName, table);
      for (const [index, units] of entry.global) {
        if (write) meter.write(tableName, units, index);
        else meter.read(tableName, units, index);
      }
    }
  }

  /** The ConsumedCapacity member, or undefined when not asked for. */
  render(mode: ReturnConsumedCapacity): Record<string, unknown>[] | undefined {
    if (mode !== 'TOTAL' && mode !== 'INDEXES') return undefined;
    const axis = this.axis;
    const out: Record<string, unknown>[] = [];
    for (const [tableName, entry] of this.tables) {
      let total = entry.table;
      for (const units of entry.local.values()) total += units;
      for (const units of entry.global.values()) total += units;
      const capacity: Record<string, unknown> = { TableName: tableName, CapacityUnits: total, [axis]: total };
      if (mode === 'INDEXES') {
        capacity.Table = { CapacityUnits: entry.table, [axis]: entry.table };
        const arm = (map: Map<string, number>) =>
          Object.fromEntries([...map].map(([name, units]) => [name, { CapacityUnits: units, [axis]: units }]));
        if (entry.local.size > 0) capacity.LocalSecondaryIndexes = arm(entry.local);
        if (entry.global.size > 0) capacity.GlobalSecondaryIndexes = arm(entry.global);
      }
      out.push(capacity);
    }
    return out;
  }
}

/** Read capacity of one transactional read of an item of `bytes` (0 when missing). */
export function transactionalReadUnits(bytes: number): number {
  return TRANSACTION_FACTOR * readUnits(bytes, true);
}
