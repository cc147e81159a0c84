/**
 * @module catalog/key-space
 * The layout of openddb's one ordered key space (docs/architecture.md, "One key space").
 *
 *   0x00 0x00 <...>                              the storage engine's own keys (storage/engine.ts
 *                                                ENGINE_KEY_PREFIX); nothing above storage writes them:
 *   0x00 0x00 0x01                               the last stream sequence number issued (u64), read and
 *                                                raised inside commits by the engine (CommitOptions.sequence)
 *   0x00 0x01 <table name UTF-8>                 legacy (before regions): catalog entry of a table;
 *                                                moved to 0x00 0x11 in the default scope when a catalog loads
 *   0x00 0x02                                    next table id
 *   0x00 0x03 <table id u32>                     a dropped table whose data is being erased
 *   0x00 0x04 <table name UTF-8> 0x00 <label>    legacy (before regions): catalog entry of a stream;
 *                                                moved to 0x00 0x14 with the tables
 *   0x00 0x05                                    the catalog's version (u64): rewritten by every commit that
 *                                                changes a table entry, with a number the engine issues in
 *                                                that commit; a cached catalog is current while it is unchanged
 *   0x00 0x11 <account> 0x00 <region> 0x00 <table name UTF-8>
 *                                                catalog entry of a table (catalog/table-scope)
 *   0x00 0x14 <account> 0x00 <region> 0x00 <table name UTF-8> 0x00 <label>
 *                                                catalog entry of a stream (streams/stream-catalog), kept
 *                                                24 hours after the stream closes, even past its table
 *   0x00 0x15 <account> 0x00 <region> 0x00 <table name UTF-8> 0x00 <label>
 *                                                a stream's resource-based policy (api/tables/resource-policy),
 *                                                erased with the stream's entry
 *   0x00 0x20 <account> 0x00 <region> 0x00 <table name UTF-8> 0x00 <backup id ASCII>
 *                                                an on-demand or system backup's record (backup/backup-records)
 *   0x01 0x01 <op> 0x00 <token>                  a transaction's ClientRequestToken record (txn/client-tokens)
 *   0x01 0x02 <expiry u64> <record key>          the token sweeper's index, by expiry
 *   0x01 0x03 <slot u16>                         the last write transaction to change an item hashing to
 *                                                this slot, and when (txn/conflict-stamps)
 *   0x02 0x01 <lease name UTF-8>                 a lease on a piece of background work (data/leases):
 *                                                its owner, expiry and the work's progress
 *   0x10 <table id u32> <index id u8> <partition hash u32> <pk> [<sk>] [<table pk> [<table sk>]]
 *                                                items (index 0) and index entries
 *   0x20 <table id u32> <stream created ms u64> 0x00
 *                                                a stream's trim point: the highest sequence number trimmed
 *   0x20 <table id u32> <stream created ms u64> 0x01 <sequence number u64>
 *                                                stream records (streams/change-log), in sequence order
 *   0x30 <table id u32> <PITR enabled ms u64> 0x00
 *                                                a point-in-time-recovery log's trim point (as a stream's)
 *   0x30 <table id u32> <PITR enabled ms u64> 0x01 <sequence number u64>
 *                                                the PITR change log (backup/change-log): each item write's
 *                                                key and previous image, in the write's own commit
 *   0x31 <backup id ASCII> 0x00 <item key after 0x10 <table id>>
 *                                                a backup's copy of an item (backup/backup-contents)
 *   0x00 0x30 <kind> <account> 0x00 <region> 0x00 <job id>
 *                                                an export, import or bulk operation's record (transfer/jobs);
 *                                                kind 'E', 'I' or 'B'; job ids begin with their start time, so
 *                                                a scope's jobs of one kind are one range, oldest first
 *   0x00 0x30 0x01 <kind> <account> 0x00 <region> 0x00 <client token>
 *                                                the job a ClientToken started (idempotency, 8 hours)
 *   0x00 0x30 0x02 <kind> <account> 0x00 <region> 0x00 <job id>
 *                                                a job's cancellation request (CancelBulkOperation)
 *   0x32 <kind> <account> 0x00 <region> 0x00 <job id>
 *                                                an unfinished job's work state (its checkpoint); present
 *                                                exactly while the job runs, so the job supervisor's scan of
 *                                                0x32 is empty (one cheap read) when nothing is under way
 *   0x00 0x40 0x01                               the pressure modes' admin settings (JSON: a patch over
 *                                                each process's flags, a version, a reset count;
 *                                                pressure/shared-settings), read by every process once a second
 *   0x00 0x40 0x02 <visible at ms u64> <table id u32> <8 random bytes>
 *                                                a lagged commit's record (pressure/lag): each key's value
 *                                                before it and the commit's time; read from "now" on by
 *                                                lagged readers in every process, deleted once long past
 *   0x40 <table id u32> <index id u8> 0x00        a vector index's change-log trim point: the highest
 *                                                sequence number trimmed (data/vector-search)
 *   0x40 <table id u32> <index id u8> 0x01 <sequence number u64>
 *                                                a vector index's change log: which entries a commit changed,
 *                                                numbered by the engine in that commit, so a process's
 *                                                in-memory search structure can catch up with other writers
 *   0x41 <table id u32> <index id u8>             a deleted vector index whose entries and change log are
 *                                                still being erased (data/vector-log); written with the
 *                                                catalog change that deletes it, removed when the erase ends
 *
 * A table's catalog name is (account, region, table name): regions (and
 * later accounts) never see each other's tables, and a scope's tables are
 * one key range. None of the three can contain 0x00, so names never run
 * into each other. Table ids and everything keyed by them (items, stream
 * records) are global: an id is unique across scopes.
 *
 * Stream records live outside the table's 0x10 range on purpose: a deleted
 * table's stream stays readable for 24 hours (DeleteTable API reference),
 * after the eraser has removed every item.
 *
 * Key attribute encodings come from values/key-codec: order-preserving and
 * prefix-free, so "every sort key of this partition" is a key range. Index
 * entries end with the table's primary key so that items tying on the index
 * key stay distinct, ordered by table key.
 *
 * A global secondary index with a multi-attribute key stores <pk> as the
 * encodings of its HASH values one after another (the partition hash is
 * taken over all of them together, so they form one partition), and <sk> as
 * the encodings of its RANGE values one after another. Each position has
 * one fixed type and each encoding is prefix-free within its type, so the
 * concatenation decodes in exactly one way: two different key tuples never
 * share a key (("a","bc") and ("ab","c") differ in where the first
 * terminator falls), and byte order is the tuple order, attribute by
 * attribute. With one HASH value the partition bytes are exactly that
 * value's encoding, as for a single-attribute key.
 */
import { encodeKeyValue, partitionHash } from '../values/index.js';
import { writeU64 } from '../storage/byte-order.js';
export { ENGINE_KEY_PREFIX, SEQUENCE_COUNTER_KEY } from '../storage/engine.js';
import type { AttributeValue } from '../values/types.js';
import type { TableScope } from './table-scope.js';

/** Legacy layouts (before regions), read only to move them: see catalog/catalog's load. */
export const LEGACY_TABLE_PREFIX = Uint8Array.of(0x00, 0x01);
export const LEGACY_STREAM_PREFIX = Uint8Array.of(0x00, 0x04);
export const CATALOG_NEXT_TABLE_ID = Uint8Array.of(0x00, 0x02);
export const CATALOG_DROPPED_PREFIX = Uint8Array.of(0x00, 0x03);
export const CATALOG_VERSION_KEY = Uint8Array.of(0x00, 0x05);
export const CATALOG_TABLE_PREFIX = Uint8Array.of(0x00, 0x11);
export const CATALOG_STREAM_PREFIX = Uint8Array.of(0x00, 0x14);
/** A stream's resource-based policy, beside (not inside) its catalog entry: see streamPolicyKey. */
export const CATALOG_STREAM_POLICY_PREFIX = Uint8Array.of(0x00, 0x15);
/**
 * Leases (data/leases): which process owns which piece of background work.
 * Lease names are ASCII (`ttl`, `backfill/<table id>/<index id>`, …).
 */
export const LEASE_PREFIX = Uint8Array.of(0x02, 0x01);
const DATA = 0x10;
const STREAMS = 0x20;
/** Backup records (0x00 0x20 …), PITR change logs (0x30 …) and backup contents (0x31 …): backup/. */
export const BACKUP_RECORD_PREFIX = Uint8Array.of(0x00, 0x20);
export const CHANGE_LOG_PREFIX = Uint8Array.of(0x30);
export const BACKUP_CONTENTS_PREFIX = Uint8Array.of(0x31);
const VECTOR_LOGS = 0x40;

/** <prefix> <account> 0x00 <region> 0x00: what every key of one scope starts with. */
function scoped(prefix: Uint8Array, scope: TableScope): Uint8Array {
  return concat([prefix, Buffer.from(`${scope.account}\u0000${scope.region}\u0000`, 'utf8')]);
}

/** Every table catalog entry of one scope lies in [this, successor(this)). */
export function catalogScopePrefix(scope: TableScope): Uint8Array {
  return scoped(CATALOG_TABLE_PREFIX, scope);
}

export function catalogTableKey(scope: TableScope, name: string): Uint8Array {
  return concat([catalogScopePrefix(scope), Buffer.from(name, 'utf8')]);
}

export function droppedTableKey(tableId: number): Uint8Array {
  const k = new Uint8Array(6);
  k.set(CATALOG_DROPPED_PREFIX, 0);
  writeUint32(k, 2, tableId);
  return k;
}

/** 0x00 0x14 <account> 0x00 <region> 0x00: every stream catalog entry of one scope. */
export function streamCatalogScopePrefix(scope: TableScope): Uint8Array {
  return scoped(CATALOG_STREAM_PREFIX, scope);
}

/** … <table name> 0x00: every stream catalog entry of tables of this name in one scope. */
export function streamCatalogTablePrefix(scope: TableScope, tableName: string): Uint8Array {
  return concat([streamCatalogScopePrefix(scope), Buffer.from(tableName, 'utf8'), Uint8Array.of(0)]);
}

/** A stream's catalog entry. Table names cannot contain 0x00, so names never run into labels. */
export function streamCatalogKey(scope: TableScope, tableName: string, label: string): Uint8Array {
  return concat([streamCatalogTablePrefix(scope, tableName), Buffer.from(label, 'utf8')]);
}

/**
 * A stream's resource-based policy (PutResourcePolicy on a stream ARN):
 * 0x00 0x15 <account> 0x00 <region> 0x00 <table name> 0x00 <label>. Kept
 * apart from the stream's catalog entry, which the commit that disables the
 * stream rewrites from the table record alone; the policy outlives that, as
 * DynamoDB's does, until the closed stream's entry is erased.
 */
export function streamPolicyKey(scope: TableScope, tableName: string, label: string): Uint8Array {
  return concat([scoped(CATALOG_STREAM_POLICY_PREFIX, scope), Buffer.from(tableName, 'utf8'), Uint8Array.of(0), Buffer.from(label, 'utf8')]);
}

/** 0x00 0x20 <account> 0x00 <region> 0x00: every backup record of one scope. */
export function backupScopePrefix(scope: TableScope): Uint8Array {
  return scoped(BACKUP_RECORD_PREFIX, scope);
}

/** … <table name> 0x00: every backup record of tables of this name in one scope. */
export function backupTablePrefix(scope: TableScope, tableName: string): Uint8Array {
  return concat([backupScopePrefix(scope), Buffer.from(tableName, 'utf8'), Uint8Array.of(0)]);
}

/** A backup's record. Table names cannot contain 0x00, so names never run into backup ids. */
export function backupRecordKey(scope: TableScope, tableName: string, backupId: string): Uint8Array {
  return concat([backupTablePrefix(scope, tableName), Buffer.from(backupId, 'latin1')]);
}

/** 0x30 <table id> <enabled ms>: one PITR change log (a table's, from one enabling of PITR). Keys below it as a stream's. */
export function changeLogPrefix(tableId: number, enabledMs: number): Uint8Array {
  const k = streamPrefix(tableId, enabledMs);
  k[0] = CHANGE_LOG_PREFIX[0]!;
  return k;
}

/** 0x31 <backup id> 0x00: every item a backup holds. */
export function backupContentsPrefix(backupId: string): Uint8Array {
  return concat([BACKUP_CONTENTS_PREFIX, Buffer.from(backupId, 'latin1'), Uint8Array.of(0)]);
}

/** A lease's key: the prefix, then its name. */
export function leaseKey(name: string): Uint8Array {
  return concat([LEASE_PREFIX, Buffer.from(name, 'utf8')]);
}

/** 0x20 <table id> <stream created ms>: everything one stream stores. */
export function streamPrefix(tableId: number, createdMs: number): Uint8Array {
  const k = new Uint8Array(13);
  const view = new DataView(k.buffer);
  k[0] = STREAMS;
  view.setUint32(1, tableId);
  view.setBigUint64(5, BigInt(createdMs));
  return k;
}

/** The key holding a stream's trim point. */
export function streamTrimKey(prefix: Uint8Array): Uint8Array {
  return concat([prefix, Uint8Array.of(0x00)]);
}

/** A stream record's key: sequence numbers are u64, so byte order is sequence order. */
export function streamRecordKey(prefix: Uint8Array, sequence: bigint): Uint8Array {
  const at = prefix.length + 1;
  const k = new Uint8Array(at + 8);
  k.set(prefix, 0);
  k[prefix.length] = 0x01;
  writeU64(k, at, sequence);
  return k;
}

/** The sequence number of a stream record key. */
export function streamRecordSequence(key: Uint8Array): bigint {
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(key.byteLength - 8);
}

/** 0x40 <table id> <index id>: a vector index's change log and its trim point (vectorLogKey, streamTrimKey). */
export function vectorLogPrefix(tableId: number, indexId: number): Uint8Array {
  const k = new Uint8Array(6);
  k[0] = VECTOR_LOGS;
  writeUint32(k, 1, tableId);
  k[5] = indexId;
  return k;
}

/** 0x41: deleted vector indexes still being erased, one key each (vectorEraseKey). */
export const VECTOR_ERASE_PREFIX = Uint8Array.of(0x41);

/** 0x41 <table id> <index id>: vector index `indexId` of table `tableId` is deleted and its keys not yet erased. */
export function vectorEraseKey(tableId: number, indexId: number): Uint8Array {
  const k = vectorLogPrefix(tableId, indexId);
  k[0] = VECTOR_ERASE_PREFIX[0]!;
  return k;
}

/** 0x40 <table id>: every vector change log of one table (erased with the table). */
export function vectorLogTablePrefix(tableId: number): Uint8Array {
  return vectorLogPrefix(tableId, 0).subarray(0, 5);
}

/** 0x10 <table id> <index id>: the start of one index's (or the table's) entries. */
export function indexPrefix(tableId: number, indexId: number): Uint8Array {
  const k = new Uint8Array(6);
  k[0] = DATA;
  writeUint32(k, 1, tableId);
  k[5] = indexId;
  return k;
}

/** Big-endian, as DataView.setUint32 would write it. */
function writeUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}

/** Every key of a table and all its indexes lies in [tablePrefix, successor(tablePrefix)). */
export function tablePrefix(tableId: number): Uint8Array {
  return indexPrefix(tableId, 0).subarray(0, 5);
}

/**
 * The prefix shared by every entry of one partition of an index:
 * index prefix, partition hash, encoded partition key.
 */
export function partitionPrefix(tableId: number, indexId: number, partitionKey: AttributeValue): Uint8Array {
  return entryKey(tableId, indexId, partitionKey, NO_PARTS);
}

const NO_PARTS: readonly (AttributeValue | undefined)[] = [];

/**
 * A full storage key: the partition prefix, then each further key part's
 * encoding. Built with one allocation: this runs for every item read and write.
 */
export function entryKey(
  tableId: number,
  indexId: number,
  partitionKey: AttributeValue,
  rest: readonly (AttributeValue | undefined)[],
): Uint8Array {
  const pk = encodeKeyValue(partitionKey);
  let length = 10 + pk.length;
  let parts: Uint8Array[] | undefined;
  for (const value of rest) {
    if (value === undefined) continue;
    const encoded = encodeKeyValue(value);
    (parts ??= []).push(encoded);
    length += encoded.length;
  }
  // Plain byte stores: a DataView would move the (small, on-heap) array's
  // storage off-heap, which costs more than the whole key.
  const out = new Uint8Array(length);
  out[0] = DATA;
  writeUint32(out, 1, tableId);
  out[5] = indexId;
  writeUint32(out, 6, partitionHash(pk));
  out.set(pk, 10);
  let offset = 10 + pk.length;
  if (parts) {
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
  }
  return out;
}

/**
 * A storage key of a multi-attribute index: the HASH values together form
 * the partition (one hash over their joint encoding), then each further
 * key part. See the module comment for why the encoding is unambiguous.
 */
export function compositeEntryKey(
  tableId: number,
  indexId: number,
  partition: readonly AttributeValue[],
  rest: readonly (AttributeValue | undefined)[],
): Uint8Array {
  const parts: Uint8Array[] = [];
  let pkLength = 0;
  for (const value of partition) {
    const encoded = encodeKeyValue(value);
    parts.push(encoded);
    pkLength += encoded.length;
  }
  let length = 10 + pkLength;
  for (const value of rest) {
    if (value === undefined) continue;
    const encoded = encodeKeyValue(value);
    parts.push(encoded);
    length += encoded.length;
  }
  const out = new Uint8Array(length);
  out[0] = DATA;
  writeUint32(out, 1, tableId);
  out[5] = indexId;
  let offset = 10;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  writeUint32(out, 6, partitionHash(out.subarray(10, 10 + pkLength)));
  return out;
}

/** The prefix shared by every entry of one partition of a multi-attribute index. */
export function compositePartitionPrefix(tableId: number, indexId: number, partition: readonly AttributeValue[]): Uint8Array {
  return compositeEntryKey(tableId, indexId, partition, NO_PARTS);
}

/** The partition hash a storage key of the data range carries. */
export function keyPartitionHash(key: Uint8Array): number {
  return ((key[6]! << 24) | (key[7]! << 16) | (key[8]! << 8) | key[9]!) >>> 0;
}

/** Hash-range bounds of an index: [start, end) covering partition hashes [from, to). */
export function hashRange(tableId: number, indexId: number, from: number, to: number): [Uint8Array, Uint8Array] {
  const start = new Uint8Array(10);
  start.set(indexPrefix(tableId, indexId), 0);
  writeUint32(start, 6, from);
  if (to > 0xffffffff) return [start, successor(indexPrefix(tableId, indexId))];
  const end = new Uint8Array(10);
  end.set(indexPrefix(tableId, indexId), 0);
  writeUint32(end, 6, to);
  return [start, end];
}

/** The smallest key greater than every key that starts with `prefix`. */
export function successor(prefix: Uint8Array): Uint8Array {
  const out = Uint8Array.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i] = out[i]! + 1;
      return out.subarray(0, i + 1);
    }
  }
  // All 0xff: no finite successor within this length; extend instead.
  return concat([prefix, Uint8Array.of(0xff)]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Export, import and bulk jobs (transfer/jobs): records, client tokens and cancellations. */
export const TRANSFER_JOB_PREFIX = Uint8Array.of(0x00, 0x30);
/** Unfinished jobs' work state (transfer/jobs). */
export const TRANSFER_WORK_PREFIX = Uint8Array.of(0x32);
/** The pressure modes' settings set through the admin endpoint, shared by every process (pressure/shared-settings). */
export const PRESSURE_SETTINGS_PREFIX = Uint8Array.of(0x00, 0x40);
export const PRESSURE_SETTINGS_KEY = Uint8Array.of(0x00, 0x40, 0x01);
