/**
 * @module transfer/point-in-time
 * What an export reads, as key-ordered entries of the table (key after
 * `0x10 <table id>`, and stored bytes):
 *
 * - the live table, page by page (each page one consistent read): the
 *   export of "now" when the server has no point-in-time reader;
 * - the table as of an instant, through a PointInTimeReader: issue 14's
 *   reader (helper backup, src/backup/point-in-time) plugged in at start-up,
 *   so transfer/ depends on an interface, not on that feature;
 * - the changes between two instants (an incremental export): both states
 *   read in key order and merged, an entry for each item that differs.
 *
 * Each source starts after a key, so a job resumed from its checkpoint
 * continues where its last data file ended.
 */
import { concat, indexPrefix, successor } from '../catalog/key-space.js';
import type { TableRecord } from '../catalog/table-record.js';
import type { Database } from '../data/database.js';

export interface TableEntry {
  /** The item's key after 0x10 <table id u32>: index id 0, partition hash, key. */
  readonly keyTail: Uint8Array;
  readonly raw: Uint8Array;
}

export interface PointInTimeReader {
  /** The times the table can be read as of now; undefined when PITR is off. */
  restorableWindow(table: TableRecord, now: number): { readonly earliestMs: number; readonly latestMs: number } | undefined;
  /** The table's items as of `epochMs`, in key order. */
  readEntriesAsOf(db: Database, table: TableRecord, epochMs: number): AsyncIterable<TableEntry>;
}

const PAGE = 1000;

function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** The live table's items after `afterTail`, page by page. */
export async function* liveEntries(db: Database, tableId: number, afterTail: Uint8Array | undefined): AsyncGenerator<TableEntry> {
  const prefix = indexPrefix(tableId, 0);
  const end = successor(prefix);
  let start = afterTail === undefined ? prefix : concat([prefix.subarray(0, 5), afterTail, Uint8Array.of(0)]);
  for (;;) {
    const page = await db.engine.range(start, end, { limit: PAGE });
    for (const e of page) yield { keyTail: e.key.subarray(5), raw: e.value };
    const last = page[page.length - 1];
    if (page.length < PAGE || last === undefined) return;
    start = concat([last.key, Uint8Array.of(0)]);
  }
}

/** `source`'s entries after `afterTail`. */
export async function* after<T extends { readonly keyTail: Uint8Array }>(source: AsyncIterable<T>, afterTail: Uint8Array | undefined): AsyncGenerator<T> {
  for await (const e of source) if (afterTail === undefined || compare(e.keyTail, afterTail) > 0) yield e;
}

export interface Change {
  readonly keyTail: Uint8Array;
  /** The item at the start of the period; absent: it did not exist. */
  readonly oldRaw?: Uint8Array;
  /** The item at the end; absent: deleted. */
  readonly newRaw?: Uint8Array;
}

/** Every item whose stored state differs between two key-ordered states of one table. */
export async function* changes(from: AsyncIterable<TableEntry>, to: AsyncIterable<TableEntry>): AsyncGenerator<Change> {
  const a = from[Symbol.asyncIterator]();
  const b = to[Symbol.asyncIterator]();
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    const order = x.done ? 1 : y.done ? -1 : compare(x.value.keyTail, y.value.keyTail);
    if (order < 0) {
      yield { keyTail: x.value!.keyTail, oldRaw: x.value!.raw };
      x = await a.next();
    } else if (order > 0) {
      yield { keyTail: y.value!.keyTail, newRaw: y.value!.raw };
      y = await b.next();
    } else {
      if (Buffer.compare(x.value!.raw, y.value!.raw) !== 0) yield { keyTail: x.value!.keyTail, oldRaw: x.value!.raw, newRaw: y.value!.raw };
      x = await a.next();
      y = await b.next();
    }
  }
}
