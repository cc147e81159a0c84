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
 *   read in key order and merged, an entry for each item that differs or
 *   that the change log says was written in the period (the reader's
 *   writesBetween).
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
  /**
   * Every item written after `fromMs` up to `toMs`, by key tail (latin1), with the time of its last write
   * there; an incremental export lists these even when an item ends the period as it began it.
   */
  writesBetween?(db: Database, table: TableRecord, fromMs: number, toMs: number): Promise<ReadonlyMap<string, number>>;
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
  /** The item at the end; absent: deleted (or absent at both ends: created and deleted within the period). */
  readonly newRaw?: Uint8Array;
  /** When known (from the change log): the time of the item's last write in the period, epoch ms. */
  readonly writeMs?: number;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Every item whose stored state differs between two key-ordered states of
 * one table and, given `written` (key tail as latin1 → time of the last
 * write in the period), every item written in the period as well: one
 * changed and changed back has the same state at both ends, and one
 * created and deleted within the period is in neither (a change with no
 * image). In key order.
 */
export async function* changes(
  from: AsyncIterable<TableEntry>,
  to: AsyncIterable<TableEntry>,
  written?: ReadonlyMap<string, number>,
): AsyncGenerator<Change> {
  const a = from[Symbol.asyncIterator]();
  const b = to[Symbol.asyncIterator]();
  // latin1 strings compare as their bytes do.
  const touched = written === undefined ? [] : [...written.keys()].sort();
  let t = 0;
  /** Written keys below `upTo` (a key of either state, or the end) are in neither state. */
  const inNeither = function* (upTo: string | undefined): Generator<Change> {
    while (t < touched.length && (upTo === undefined || touched[t]! < upTo)) {
      const key = touched[t++]!;
      yield { keyTail: Buffer.from(key, 'latin1'), writeMs: written!.get(key)! };
    }
  };
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    const order = x.done ? 1 : y.done ? -1 : compare(x.value.keyTail, y.value.keyTail);
    const keyTail = order <= 0 ? x.value!.keyTail : y.value!.keyTail;
    const key = written === undefined ? '' : latin1(keyTail);
    if (written !== undefined) {
      yield* inNeither(key);
      if (touched[t] === key) t++;
    }
    const ms = written?.get(key);
    const when = ms === undefined ? {} : { writeMs: ms };
    if (order < 0) {
      yield { keyTail, oldRaw: x.value!.raw, ...when };
      x = await a.next();
    } else if (order > 0) {
      yield { keyTail, newRaw: y.value!.raw, ...when };
      y = await b.next();
    } else {
      if (ms !== undefined || Buffer.compare(x.value!.raw, y.value!.raw) !== 0) yield { keyTail, oldRaw: x.value!.raw, newRaw: y.value!.raw, ...when };
      x = await a.next();
      y = await b.next();
    }
  }
  if (written !== undefined) yield* inNeither(undefined);
}
