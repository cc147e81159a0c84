/**
 * @module streams/stream-catalog
 * The streams of a database, enabled and closed. A table's record only
 * knows its latest stream; a stream outlives that: it stays readable and
 * listed, DISABLED, for 24 hours after UpdateTable disables it or
 * DeleteTable deletes its table (DeleteTable API reference). So each stream
 * has its own catalog entry (catalog/key-space 0x00 0x14), written in the
 * same commit as the table change that opens or closes it: an open entry is
 * an ENABLED stream, an entry with `closedAt` a DISABLED one. Streams
 * belong to their table's scope (account and region): each region lists
 * and finds only its own.
 */
import type { Database } from '../data/database.js';
import type { KeySchema, StreamViewType, TableRecord } from '../catalog/table-record.js';
import {
  CATALOG_STREAM_PREFIX,
  concat,
  streamCatalogKey,
  streamCatalogScopePrefix,
  streamCatalogTablePrefix,
  streamPolicyKey,
  streamPrefix,
  successor,
} from '../catalog/key-space.js';
import type { KvWrite, StorageEngine } from '../storage/engine.js';
import { streamLabel } from './stream-label.js';
import type { TableScope } from '../catalog/table-scope.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface StreamEntry extends TableScope {
  readonly tableName: string;
  /** The key-space id of the table incarnation the stream belongs to. */
  readonly tableId: number;
  readonly label: string;
  /** Epoch ms of the label: the stream's creation, and part of its records' keys. */
  readonly createdAt: number;
  readonly viewType: StreamViewType;
  readonly keySchema: KeySchema;
  /** Epoch ms when the stream was disabled or its table deleted. */
  readonly closedAt?: number;
}

const labelTimes = new Map<string, number>();

/**
 * Epoch ms of a stream label (an ISO time without zone, streams/stream-label).
 * Cached: every write to a streamed table needs it.
 */
export function labelMs(label: string): number {
  let ms = labelTimes.get(label);
  if (ms === undefined) {
    ms = Date.parse(`${label}Z`);
    if (labelTimes.size > 10_000) labelTimes.clear();
    labelTimes.set(label, ms);
  }
  return ms;
}

/** The storage prefix of a stream's trim point and records. */
export function recordsPrefixOf(entry: { tableId: number; createdAt: number }): Uint8Array {
  return streamPrefix(entry.tableId, entry.createdAt);
}

/** The entry of a table's current stream, as its table record describes it. */
export function currentStreamEntry(table: TableRecord): StreamEntry | undefined {
  const { label, viewType } = table.stream;
  if (label === undefined || viewType === undefined) return undefined;
  return {
    account: table.account,
    region: table.region,
    tableName: table.name,
    tableId: table.id,
    label,
    createdAt: labelMs(label),
    viewType,
    keySchema: table.keySchema,
  };
}

function entryWrite(entry: StreamEntry): KvWrite {
  return { key: streamCatalogKey(entry, entry.tableName, entry.label), value: encoder.encode(JSON.stringify(entry)) };
}

/**
 * The stream catalog writes that go into the commit of a table change
 * (`previous` undefined: the table is created; `next` undefined: it is
 * deleted): an entry for a stream it enables, a closed entry for a stream
 * it disables or deletes.
 */
export function streamCatalogWrites(previous: TableRecord | undefined, next: TableRecord | undefined, now: number): KvWrite[] {
  const writes: KvWrite[] = [];
  const before = previous?.stream.enabled ? currentStreamEntry(previous) : undefined;
  const after = next?.stream.enabled ? currentStreamEntry(next) : undefined;
  if (before !== undefined && (after === undefined || after.label !== before.label)) {
    writes.push(entryWrite({ ...before, closedAt: now }));
  }
  if (after !== undefined && (before === undefined || before.label !== after.label)) {
    writes.push(entryWrite(after));
  }
  return writes;
}

export function decodeStreamEntry(value: Uint8Array): StreamEntry {
  return JSON.parse(decoder.decode(value)) as StreamEntry;
}

export async function readStreamEntry(
  engine: StorageEngine,
  scope: TableScope,
  tableName: string,
  label: string,
): Promise<StreamEntry | undefined> {
  const raw = await engine.get(streamCatalogKey(scope, tableName, label));
  return raw === undefined ? undefined : decodeStreamEntry(raw);
}

export interface StreamPage {
  readonly entries: StreamEntry[];
  /** More entries follow the page. */
  readonly more: boolean;
}

/** Where a listing starts after: a stream of the listed scope (or of any scope, listing them all). */
export type StreamPosition = TableScope & { readonly tableName: string; readonly label: string };

/**
 * Streams in catalog order (table name, then label) of one scope, or of
 * every scope when none is given (background work: trimming), optionally of
 * one table name, starting after the stream `after`.
 */
export async function listStreamEntries(
  engine: StorageEngine,
  options: { scope?: TableScope; tableName?: string; after?: StreamPosition; limit: number },
): Promise<StreamPage> {
  const range =
    options.scope === undefined
      ? CATALOG_STREAM_PREFIX
      : options.tableName === undefined
        ? streamCatalogScopePrefix(options.scope)
        : streamCatalogTablePrefix(options.scope, options.tableName);
  let start = range;
  if (options.after !== undefined) {
    // The smallest key after the given entry's.
    const afterKey = concat([streamCatalogKey(options.after, options.after.tableName, options.after.label), Uint8Array.of(0)]);
    if (compare(afterKey, start) > 0) start = afterKey;
  }
  const end = successor(range);
  if (compare(start, end) >= 0) return { entries: [], more: false };
  const rows = await engine.range(start, end, { limit: options.limit + 1 });
  return { entries: rows.slice(0, options.limit).map((r) => decodeStreamEntry(r.value)), more: rows.length > options.limit };
}

function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/**
 * A label for a stream being created now that no earlier stream of a table
 * of this name has: labels are milliseconds, and a stream's ARN is its table
 * name and label, so a stream disabled and enabled again within one
 * millisecond (or a table re-created under an injected clock) must still
 * get a new ARN.
 */
export async function uniqueStreamLabel(db: Database, tableName: string, label: string): Promise<string> {
  const prefix = streamCatalogTablePrefix(db.scope, tableName);
  const latest = await db.engine.range(prefix, successor(prefix), { reverse: true, limit: 1 });
  const last = latest[0] === undefined ? undefined : decodeStreamEntry(latest[0].value).label;
  if (last === undefined || label > last) return label;
  return streamLabel(labelMs(last) + 1);
}

/** A stream's resource-based policy as stored (api/tables/resource-policy writes it). */
export interface StreamPolicy {
  readonly document: string;
  readonly revisionId: string;
}

/**
 * A stream's resource-based policy (catalog/key-space streamPolicyKey), with
 * the stored bytes a commit changing it expects unchanged.
 */
export async function readStreamPolicy(
  engine: StorageEngine,
  scope: TableScope,
  tableName: string,
  label: string,
): Promise<{ key: Uint8Array; raw: Uint8Array | undefined; policy: StreamPolicy | undefined }> {
  const key = streamPolicyKey(scope, tableName, label);
  const raw = await engine.get(key);
  return { key, raw, policy: raw === undefined ? undefined : (JSON.parse(decoder.decode(raw)) as StreamPolicy) };
}

export function encodeStreamPolicy(policy: StreamPolicy): Uint8Array {
  return encoder.encode(JSON.stringify(policy));
}
