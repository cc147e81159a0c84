/**
 * @module catalog/table-record
 * A table's definition as openddb stores it in the catalog. camelCase and
 * minimal; the DynamoDB-shaped TableDescription is derived from it at the
 * protocol edge (api/tables/table-description.ts).
 */
import type { KeyType } from '../values/types.js';
import type { TableScope } from './table-scope.js';

export type TableStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
export type IndexStatus = 'CREATING' | 'ACTIVE' | 'UPDATING' | 'DELETING';
export type BillingMode = 'PROVISIONED' | 'PAY_PER_REQUEST';
export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';

export interface KeySchema {
  /** The (first) HASH attribute. */
  readonly hash: string;
  /** The (first) RANGE attribute, if any. */
  readonly range?: string;
  /**
   * A global secondary index's multi-attribute key: every HASH attribute,
   * then every RANGE attribute, in KeySchema order (up to 4 of each). Present
   * only when the index has more than one of either, so every single-key
   * schema, and every catalog written before multi-attribute keys existed,
   * takes the one-attribute paths unchanged.
   */
  readonly composite?: CompositeKey;
}

export interface CompositeKey {
  readonly hash: readonly string[];
  readonly range: readonly string[];
}

export interface Throughput {
  readonly read: number;
  readonly write: number;
  /** Epoch milliseconds. */
  readonly lastIncrease?: number;
  readonly lastDecrease?: number;
  readonly decreasesToday: number;
}

/**
 * An on-demand table's or GSI's OnDemandThroughput maximums, in request
 * units per second (api/tables/on-demand-throughput); a member absent has
 * no maximum (DynamoDB's -1). Optional on the records, so older catalogs
 * load unchanged.
 */
export interface OnDemandMaximums {
  readonly read?: number;
  readonly write?: number;
}

export interface Projection {
  readonly type: ProjectionType;
  readonly nonKeyAttributes?: readonly string[];
}

export interface IndexRecord {
  /** The index id inside the table's key space (1.. for indexes; 0 is the base table). */
  readonly id: number;
  readonly name: string;
  readonly keySchema: KeySchema;
  readonly projection: Projection;
  readonly status: IndexStatus;
  readonly backfilling?: boolean;
  /** GSIs of provisioned tables have their own throughput. */
  readonly throughput?: Throughput;
  /** A GSI of an on-demand table: its OnDemandThroughput maximums, if any. */
  readonly onDemandMax?: OnDemandMaximums;
}

export interface StreamSettings {
  readonly enabled: boolean;
  readonly viewType?: StreamViewType;
  /** The label of the latest stream, e.g. 2026-11-22T03:14:15.926. */
  readonly label?: string;
}

export interface TimeToLiveSettings {
  readonly attributeName: string;
  readonly enabled: boolean;
}

export interface PointInTimeRecoverySettings {
  readonly enabled: boolean;
  /** Epoch ms of the UpdateContinuousBackups that enabled it: names the change log. */
  readonly enabledAt?: number;
  /** 1–35; DynamoDB's default 35. */
  readonly recoveryPeriodInDays?: number;
}

export interface RestoreSettings {
  readonly sourceBackupArn?: string;
  readonly sourceTableArn?: string;
  /** Epoch ms of the state restored. */
  readonly restoreDateTime: number;
  readonly inProgress: boolean;
  /** Where the items come from, for the job filling the table (backup/restore-job). */
  readonly source?: RestoreSource;
}

/** A backup (by its record's place) or a table's point-in-time log (by the table, as it was named and numbered). */
export type RestoreSource =
  | { readonly kind: 'backup'; readonly account: string; readonly region: string; readonly tableName: string; readonly backupId: string }
  | {
      readonly kind: 'pitr';
      readonly account: string;
      readonly region: string;
      readonly tableName: string;
      readonly tableId: number;
      readonly epochMs: number;
    };

/**
 * A table's definition. It carries its scope (catalog/table-scope): the
 * account and region it lives in, part of its catalog name and its ARN.
 */
export interface TableRecord extends TableScope {
  /** Key-space id, assigned once; a re-created table gets a new one. */
  readonly id: number;
  readonly name: string;
  /** DynamoDB's TableId, a UUID. */
  readonly uuid: string;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly status: TableStatus;
  readonly attributeDefinitions: Readonly<Record<string, KeyType>>;
  readonly keySchema: KeySchema;
  readonly billingMode: BillingMode;
  /** Epoch milliseconds of the last switch to PAY_PER_REQUEST. */
  readonly lastPayPerRequestAt?: number;
  readonly throughput: Throughput;
  /** An on-demand table's OnDemandThroughput maximums, if any (dropped on a switch to PROVISIONED). */
  readonly onDemandMax?: OnDemandMaximums;
  readonly localIndexes: readonly IndexRecord[];
  readonly globalIndexes: readonly IndexRecord[];
  readonly stream: StreamSettings;
  readonly sse?: { readonly enabled: boolean; readonly type?: string; readonly kmsKeyArn?: string };
  readonly tableClass: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
  readonly deletionProtection: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** The table's resource-based policy (PutResourcePolicy): the document as sent, and its revision id. */
  readonly resourcePolicy?: { readonly document: string; readonly revisionId: string };
  readonly ttl?: TimeToLiveSettings;
  /**
   * Point-in-time recovery (backup/): while enabled, every item write also
   * writes a change-log record in its own commit, under a log named by
   * `enabledAt` (catalog/key-space changeLogPrefix), kept `recoveryPeriodInDays`.
   */
  readonly pointInTimeRecovery?: PointInTimeRecoverySettings;
  /** Set while RestoreTableFromBackup / RestoreTableToPointInTime fills the table, and after (DescribeTable's RestoreSummary). */
  readonly restore?: RestoreSettings;
  /** The next index id to assign. */
  readonly nextIndexId: number;
  /**
   * Vector indexes (CreateTable/UpdateTable VectorIndexes). Optional so
   * that catalogs written before vector indexes existed load unchanged.
   * Their ids come from the same nextIndexId as the secondary indexes.
   */
  readonly vectorIndexes?: readonly VectorIndexRecord[];
}

export type DistanceFunction = 'COSINE' | 'EUCLIDEAN' | 'DOT_PRODUCT';

/** A vector index: similarity search over one attribute holding a list of numbers. */
export interface VectorIndexRecord {
  readonly id: number;
  readonly name: string;
  readonly vectorAttribute: string;
  readonly dimensions: number;
  readonly distance: DistanceFunction;
  /** The SearchSchema's HASH attribute (the vector index partition key), if any. */
  readonly hash?: string;
  /** The SearchSchema's INLINE_FILTER attributes, in the order given. */
  readonly filters: readonly string[];
  readonly projection: Projection;
  readonly status: IndexStatus;
  readonly backfilling?: boolean;
}

/** The table's vector indexes (none for a catalog entry older than them). */
export function vectorIndexes(table: TableRecord): readonly VectorIndexRecord[] {
  return table.vectorIndexes ?? NO_VECTOR_INDEXES;
}

const NO_VECTOR_INDEXES: readonly VectorIndexRecord[] = [];

/** Every HASH attribute of a key schema, in order. */
export function hashAttributes(keys: KeySchema): readonly string[] {
  return keys.composite?.hash ?? [keys.hash];
}

/** Every RANGE attribute of a key schema, in order. */
export function rangeAttributes(keys: KeySchema): readonly string[] {
  return keys.composite?.range ?? (keys.range === undefined ? [] : [keys.range]);
}

/** Every key attribute of a key schema, in KeySchema order (HASH attributes first). */
export function keyAttributes(keys: KeySchema): readonly string[] {
  if (keys.composite !== undefined) return [...keys.composite.hash, ...keys.composite.range];
  return keys.range === undefined ? [keys.hash] : [keys.hash, keys.range];
}

export function allIndexes(table: TableRecord): readonly IndexRecord[] {
  return table.localIndexes.length === 0
    ? table.globalIndexes
    : table.globalIndexes.length === 0
      ? table.localIndexes
      : [...table.localIndexes, ...table.globalIndexes];
}
