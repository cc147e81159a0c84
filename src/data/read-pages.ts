/**
 * @module data/read-pages
 * One page of a Query or Scan, exactly as DynamoDB pages: entries are read
 * in key order from a byte range; Limit counts entries evaluated (before
 * the filter) and the page also stops once 1 MB of data has been read (the
 * entry that crosses the mark is included); when either stops it, the page
 * carries a LastEvaluatedKey, even when it holds no items or nothing is
 * left to read.
 *
 * Cost is kept to what the request needs: entries are read from storage in
 * growing chunks, an entry is decoded only when a filter, a projection, a
 * LastEvaluatedKey or consumed capacity needs it, and an entry returned
 * whole is spliced into the response as the JSON it is stored as. A stored
 * entry's JSON is never shorter than DynamoDB's size of the item, so exact
 * sizes are computed only once the JSON bytes read near 1 MB.
 */
import type { Database } from './database.js';
import type { Condition } from '../expr/index.js';
import { evaluateCondition, projectItem } from '../expr/index.js';
import { itemKey } from '../indexes/index-entries.js';
import type { KvEntry } from '../storage/engine.js';
import { itemSize } from '../values/index.js';
import type { Item } from '../values/types.js';
import { consumedCapacity, meterCapacity, readUnits, type CapacityParts, type ReturnConsumedCapacity } from './capacity.js';
import { decodeItem } from './item-store.js';
import { after, compareKeys } from './key-range.js';
import { RawJson } from './raw-json.js';
import type { ReadTarget } from './read-target.js';
import { lastEvaluatedKey } from './read-target.js';
import type { Selection } from './read-selection.js';

/** DynamoDB's page size: 1 MB of data read. */
export const MAX_PAGE_BYTES = 1024 * 1024;

/** Entries asked of storage at first; later chunks grow, so small pages stay cheap and big ones few. */
const FIRST_CHUNK = 64;
const MAX_CHUNK = 4096;

export interface PageRequest {
  readonly db: Database;
  readonly target: ReadTarget;
  /** Inclusive. */
  readonly start: Uint8Array;
  /** Exclusive. */
  readonly end: Uint8Array;
  readonly reverse: boolean;
  readonly limit: number | undefined;
  readonly filter: Condition | undefined;
  readonly selection: Selection;
  readonly consistentRead: boolean;
  readonly returnConsumedCapacity: ReturnConsumedCapacity;
  /** The operation reading, for the metrics' ReturnedItemCount; default 'Query'. */
  readonly operation?: 'Query' | 'Scan' | 'ExecuteStatement';
}

/** An entry read, with what has been worked out about it so far. */
interface Read {
  readonly entry: KvEntry;
  item: Item | undefined;
  size: number | undefined;
}

function itemOf(read: Read): Item {
  return (read.item ??= decodeItem(read.entry.value));
}

function sizeOf(read: Read): number {
  return (read.size ??= itemSize(itemOf(read)));
}

/** Reads one page and answers it as Query and Scan do. */
export async function readPage(request: PageRequest): Promise<RawJson> {
  const { db, target, filter, selection, limit } = request;
  const wantCapacity =
    request.returnConsumedCapacity === 'TOTAL' || request.returnConsumedCapacity === 'INDEXES';

  let start = request.start;
  let end = request.end;
  let scanned = 0;
  let exactBytes = 0;
  // Entries whose exact size is not known yet, and their JSON bytes: an upper bound.
  const unsized: Read[] = [];
  let unsizedBytes = 0;
  let last: Read | undefined;
  let stopped = false;
  const matched: Read[] = [];
  let chunk = limit === undefined ? FIRST_CHUNK : Math.min(limit, MAX_CHUNK);

  reading: for (;;) {
    // A start key past the end of the range (possible on a Query) reads nothing.
    const entries =
      compareKeys(start, end) < 0 ? await db.engine.range(start, end, { reverse: request.reverse, limit: chunk }) : [];
    for (const entry of entries) {
      const read: Read = { entry, item: undefined, size: undefined };
      scanned++;
      last = read;
      if (filter === undefined || evaluateCondition(filter, itemOf(read))) matched.push(read);
      if (wantCapacity) {
        exactBytes += sizeOf(read);
      } else {
        unsized.push(read);
        unsizedBytes += entry.value.length;
        if (exactBytes + unsizedBytes >= MAX_PAGE_BYTES) {
          for (const r of unsized) exactBytes += sizeOf(r);
          unsized.length = 0;
          unsizedBytes = 0;
        }
      }
      if (scanned === limit || exactBytes >= MAX_PAGE_BYTES) {
        stopped = true;
        break reading;
      }
    }
    if (entries.length < chunk) break;
    const lastKey = entries[entries.length - 1]!.key;
    if (request.reverse) end = lastKey;
    else start = after(lastKey);
    chunk = Math.min(chunk * 4, MAX_CHUNK, limit === undefined ? MAX_CHUNK : limit - scanned);
  }

  // The body goes out as byte chunks: stored items are spliced in as the
  // JSON bytes they are, never decoded and encoded again.
  const chunks: Uint8Array[] = [];
  let tail = '';
  let fetchedBytes = 0;
  if (!selection.count) {
    let items: readonly Read[] = matched;
    if (selection.fetchFromTable && matched.length > 0) {
      items = await fetchFromTable(request, matched);
      for (const read of items) fetchedBytes += sizeOf(read);
    }
    chunks.push(ITEMS_OPEN);
    renderItems(items, selection, chunks);
    tail = `],"Count":${matched.length}`;
  } else {
    tail = `{"Count":${matched.length}`;
  }
  tail += `,"ScannedCount":${scanned}`;
  if (stopped && last !== undefined) {
    tail += `,"LastEvaluatedKey":${JSON.stringify(lastEvaluatedKey(target, itemOf(last)))}`;
  }
  // The metrics count every page's capacity, asked for or not.
  const bytes = wantCapacity || exactBytes + unsizedBytes <= 4096 ? exactBytes + unsizedBytes : exactBytes + estimatedSize(unsized, unsizedBytes);
  const parts = pageCapacity(request, bytes, fetchedBytes);
  meterCapacity(db.meter, 'read', target.table.name, parts);
  db.meter.returnedItems(target.table.name, request.operation ?? 'Query', matched.length);
  if (wantCapacity) {
    const capacity = consumedCapacity(request.returnConsumedCapacity, target.table, parts);
    if (capacity !== undefined) tail += `,"ConsumedCapacity":${JSON.stringify(capacity)}`;
  }
  chunks.push(Buffer.from(`${tail}}`, 'utf8'));
  return new RawJson(chunks);
}

const ITEMS_OPEN = Buffer.from('{"Items":[', 'latin1');
const COMMA = Uint8Array.of(0x2c);

/** Appends the response items: stored JSON spliced as is unless a projection reshapes them. */
function renderItems(items: readonly Read[], selection: Selection, out: Uint8Array[]): void {
  const paths = selection.paths;
  if (paths === undefined) {
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out.push(COMMA);
      out.push(items[i]!.entry.value);
    }
    return;
  }
  const rendered: string[] = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) rendered[i] = JSON.stringify(projectItem(itemOf(items[i]!), paths));
  out.push(Buffer.from(rendered.join(','), 'utf8'));
}

/**
 * An LSI asked for attributes it does not project: each matching item is
 * read from the table (strongly consistent, as LSIs are). An item deleted
 * since its index entry was read is left out.
 */
async function fetchFromTable(request: PageRequest, matched: readonly Read[]): Promise<Read[]> {
  const table = request.target.table;
  const keys = matched.map((read) => itemKey(table, itemOf(read)));
  const values = await request.db.engine.getMany(keys);
  const items: Read[] = [];
  values.forEach((value, i) => {
    if (value !== undefined) items.push({ entry: { key: keys[i]!, value }, item: undefined, size: undefined });
  });
  return items;
}

/**
 * Read capacity: the total size of the entries read, in 4 KB units (half
 * for eventually consistent reads), charged to the index read; an LSI's
 * fetches from the table are charged to the table.
 */
function pageCapacity(request: PageRequest, bytes: number, fetchedBytes: number): CapacityParts {
  const { target, consistentRead } = request;
  const units = readUnits(bytes, consistentRead);
  if (target.index === undefined) return { table: units };
  const tableUnits = request.selection.fetchFromTable && fetchedBytes > 0 ? readUnits(fetchedBytes, consistentRead) : 0;
  const byIndex = { [target.index.name]: units };
  return target.local ? { table: tableUnits, localIndexes: byIndex } : { table: tableUnits, globalIndexes: byIndex };
}

/** Entries measured exactly before the rest of a large page is estimated from them. */
const SIZE_SAMPLE = 8;

/**
 * The size of entries not measured yet, for the metrics of a page whose
 * client did not ask for its capacity: measuring a large page exactly means
 * decoding every item, which can cost more than the page itself. The first
 * few are measured and the rest estimated at their size-to-JSON ratio
 * (docs/metrics.md). Pages under 4 KB of JSON never come here: their JSON
 * bytes are an upper bound that gives the exact units.
 */
function estimatedSize(unsized: readonly Read[], unsizedBytes: number): number {
  const n = Math.min(unsized.length, SIZE_SAMPLE);
  let json = 0;
  let size = 0;
  for (let i = 0; i < n; i++) {
    json += unsized[i]!.entry.value.length;
    size += sizeOf(unsized[i]!);
  }
  if (n === unsized.length || json === 0) return size;
  return size + Math.ceil((unsizedBytes - json) * (size / json));
}
