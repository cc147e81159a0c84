/**
 * @module streams/stream-record
 * Pure: one item change → the stream record DynamoDB Streams reports for it,
 * and a stored record → its GetRecords wire form.
 *
 * What DynamoDB writes (developer guide "Change data capture for DynamoDB
 * Streams", and Alternator's test_streams.py, which runs against DynamoDB):
 * - INSERT when the item did not exist, MODIFY when it did, REMOVE when it
 *   is deleted;
 * - nothing at all when the write changed nothing: a put of an identical
 *   item, an update that sets what is already there, a delete of a missing
 *   item;
 * - Keys always; NewImage and OldImage as the stream's view type asks, each
 *   only where that version of the item exists;
 * - SizeBytes: the size of the record's attribute data (the reference's
 *   KEYS_ONLY sample has keys of 41 bytes and SizeBytes 41).
 */
import type { KeySchema, StreamViewType } from '../catalog/table-record.js';
import { itemSize, valuesEqual } from '../values/index.js';
import type { Item } from '../values/types.js';
import type { ItemChange } from '../data/hooks.js';

export type EventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** A record as stored: short member names, since every write of a streamed table stores one. */
export interface StoredStreamRecord {
  /** eventName */
  readonly e: EventName;
  /** Creation time, epoch milliseconds. */
  readonly t: number;
  readonly k: Item;
  /** NewImage, if the view type keeps it and the item exists after the change. */
  readonly n?: Item;
  /** OldImage, if the view type keeps it and the item existed before. */
  readonly o?: Item;
  /** SizeBytes */
  readonly s: number;
  /** Set (1) when the service deleted the item: a TTL expiry. */
  readonly u?: 1;
}

/** A change as the data plane hands it over; byService marks a TTL deletion (a service userIdentity). */
export type Change = ItemChange;

/** The stream record of a change, or undefined when the item did not change. */
export function recordOfChange(
  viewType: StreamViewType,
  keySchema: KeySchema,
  change: Change,
  nowMs: number,
): StoredStreamRecord | undefined {
  const { old, next } = change;
  if (old === undefined && next === undefined) return undefined;
  if (old !== undefined && next !== undefined && valuesEqual({ M: old }, { M: next })) return undefined;
  const e: EventName = old === undefined ? 'INSERT' : next === undefined ? 'REMOVE' : 'MODIFY';
  const k = keysOf(keySchema, (next ?? old)!);
  const n = next !== undefined && (viewType === 'NEW_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES') ? next : undefined;
  const o = old !== undefined && (viewType === 'OLD_IMAGE' || viewType === 'NEW_AND_OLD_IMAGES') ? old : undefined;
  const s = itemSize(k) + (n === undefined ? 0 : itemSize(n)) + (o === undefined ? 0 : itemSize(o));
  return {
    e,
    t: nowMs,
    k,
    ...(n !== undefined ? { n } : {}),
    ...(o !== undefined ? { o } : {}),
    s,
    ...(change.byService ? { u: 1 as const } : {}),
  };
}

function keysOf(keySchema: KeySchema, item: Item): Item {
  const keys: Item = { [keySchema.hash]: item[keySchema.hash]! };
  if (keySchema.range !== undefined) keys[keySchema.range] = item[keySchema.range]!;
  return keys;
}

export interface RenderContext {
  readonly viewType: StreamViewType;
  readonly region: string;
  readonly sequenceNumber: string;
  readonly eventId: string;
}

/** The Record member of a GetRecords response, in the order DynamoDB's sample lists them. */
export function renderRecord(record: StoredStreamRecord, ctx: RenderContext): Record<string, unknown> {
  const dynamodb: Record<string, unknown> = {
    // Epoch seconds, rounded down (StreamRecord.ApproximateCreationDateTime).
    ApproximateCreationDateTime: Math.floor(record.t / 1000),
    Keys: record.k,
  };
  if (record.n !== undefined) dynamodb.NewImage = record.n;
  if (record.o !== undefined) dynamodb.OldImage = record.o;
  dynamodb.SequenceNumber = ctx.sequenceNumber;
  dynamodb.SizeBytes = record.s;
  dynamodb.StreamViewType = ctx.viewType;
  const out: Record<string, unknown> = {
    awsRegion: ctx.region,
    dynamodb,
    eventID: ctx.eventId,
    eventName: record.e,
    eventSource: 'aws:dynamodb',
    eventVersion: '1.1',
  };
  // How TTL deletions are told apart (developer guide, "Working with expired items").
  if (record.u === 1) out.userIdentity = { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' };
  return out;
}
