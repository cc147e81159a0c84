/**
 * @module backup/backup-records
 * On-demand (USER) and SYSTEM backups as stored: one record per backup at
 * 0x00 0x20 <account> 0x00 <region> 0x00 <table name> 0x00 <backup id>
 * (catalog/key-space), so one table's backups, or one scope's, are a key
 * range. A record keeps the source table's definition as it was (for
 * DescribeBackup and the restore) and says where the items are:
 *
 * - `copy`: copied from a storage snapshot into 0x31 <backup id> 0x00 …
 *   (backup/backup-job), for CreateBackup;
 * - `table`: left in place under the dropped table's own id, which is then
 *   not erased until the backup is deleted: the SYSTEM backup DeleteTable
 *   keeps of a table with point-in-time recovery on (nothing to copy: no
 *   one writes a dropped table).
 *
 * Backup ids are DynamoDB's shape: the creation time in milliseconds,
 * zero-padded to 14 digits, a dash and 8 hex digits
 * (`arn:aws:dynamodb:us-east-1:123456789012:table/Music/backup/01489602797149-73d8d5bc`,
 * DescribeBackup API reference).
 */
import { randomBytes } from 'node:crypto';
import type { TableRecord } from '../catalog/table-record.js';
import type { TableScope } from '../catalog/table-scope.js';
import { backupContentsPrefix, backupRecordKey, backupScopePrefix, backupTablePrefix, successor } from '../catalog/key-space.js';
import type { StorageEngine, StorageSnapshot } from '../storage/engine.js';
import { readTableEntries, type TableEntry } from './point-in-time.js';

export type BackupStatus = 'CREATING' | 'AVAILABLE' | 'DELETED';
export type BackupType = 'USER' | 'SYSTEM';

export interface BackupRecord extends TableScope {
  readonly id: string;
  readonly name: string;
  readonly type: BackupType;
  readonly status: BackupStatus;
  /** Epoch ms: the instant whose state the backup holds (the request's arrival). */
  readonly createdAt: number;
  /** SYSTEM backups expire (35 days after the deletion). */
  readonly expiresAt?: number;
  /** The source table's definition at createdAt. */
  readonly table: TableRecord;
  readonly contents: { readonly kind: 'copy' } | { readonly kind: 'table'; readonly tableId: number };
  /** Known once AVAILABLE. */
  readonly itemCount?: number;
  readonly sizeBytes?: number;
  /** The source table's stats at createdAt (DescribeBackup's SourceTableDetails). */
  readonly tableItemCount?: number;
  readonly tableSizeBytes?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function newBackupId(now: number): string {
  return `${String(Math.floor(now)).padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
}

const BACKUP_ID = /^[0-9]{14}-[0-9a-f]{8}$/;

export function backupArn(record: BackupRecord): string {
  return `arn:aws:dynamodb:${record.region}:${record.account}:table/${record.table.name}/backup/${record.id}`;
}

/** The parts of a backup ARN, or undefined when it is not one. */
export function parseBackupArn(arn: string): { region: string; account: string; table: string; id: string } | undefined {
  const m = /^arn:aws[a-zA-Z-]*:dynamodb:([^:]+):([0-9]{12}):table\/([a-zA-Z0-9_.-]{3,255})\/backup\/([^/]+)$/.exec(arn);
  if (m === null || !BACKUP_ID.test(m[4]!)) return undefined;
  return { region: m[1]!, account: m[2]!, table: m[3]!, id: m[4]! };
}

export function recordKey(record: BackupRecord): Uint8Array {
  return backupRecordKey(record, record.table.name, record.id);
}

export function encodeBackup(record: BackupRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

export function decodeBackup(raw: Uint8Array): BackupRecord {
  return JSON.parse(decoder.decode(raw)) as BackupRecord;
}

export interface StoredBackup {
  readonly record: BackupRecord;
  readonly key: Uint8Array;
  readonly raw: Uint8Array;
}

/** A backup by scope, table name and id, as stored. */
export async function readBackup(engine: Pick<StorageEngine, 'get'>, scope: TableScope, table: string, id: string): Promise<StoredBackup | undefined> {
  const key = backupRecordKey(scope, table, id);
  const raw = await engine.get(key);
  return raw === undefined ? undefined : { record: decodeBackup(raw), key, raw };
}

/** Every backup of one table (or of a whole scope), in key order: by table name, then creation time. */
export async function* listBackups(engine: Pick<StorageEngine, 'range'>, scope: TableScope, tableName?: string): AsyncGenerator<StoredBackup> {
  const prefix = tableName === undefined ? backupScopePrefix(scope) : backupTablePrefix(scope, tableName);
  yield* allBackupsUnder(engine, prefix);
}

/** Every backup of every scope (for the supervisor). */
export async function* allBackups(engine: Pick<StorageEngine, 'range'>): AsyncGenerator<StoredBackup> {
  yield* allBackupsUnder(engine, Uint8Array.of(0x00, 0x20));
}

async function* allBackupsUnder(engine: Pick<StorageEngine, 'range'>, prefix: Uint8Array): AsyncGenerator<StoredBackup> {
  const end = successor(prefix);
  for (let start = prefix; ; ) {
    const rows = await engine.range(start, end, { limit: 500 });
    for (const row of rows) yield { record: decodeBackup(row.value), key: row.key, raw: row.value };
    if (rows.length < 500) return;
    start = Uint8Array.from([...rows[rows.length - 1]!.key, 0]);
  }
}

/** The items a backup holds, in key order, from a snapshot. */
export async function* backupEntries(snapshot: StorageSnapshot, record: BackupRecord, after?: Uint8Array): AsyncGenerator<TableEntry> {
  if (record.contents.kind === 'table') {
    for await (const entry of readTableEntries(snapshot, record.contents.tableId)) {
      if (after === undefined || Buffer.compare(entry.keyTail, after) > 0) yield entry;
    }
    return;
  }
  const prefix = backupContentsPrefix(record.id);
  const end = successor(prefix);
  for (let start = after === undefined ? prefix : Uint8Array.from([...prefix, ...after, 0]); ; ) {
    const rows = await snapshot.range(start, end, { limit: 1000 });
    for (const row of rows) yield { keyTail: row.key.subarray(prefix.length), raw: row.value };
    if (rows.length < 1000) return;
    start = Uint8Array.from([...rows[rows.length - 1]!.key, 0]);
  }
}
