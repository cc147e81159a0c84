/**
 * @module streams/stream-arn
 * Naming streams and shards: a stream's ARN is its table's ARN plus
 * `/stream/<label>` (as DescribeTable's LatestStreamArn); openddb keeps one
 * shard per stream, named like DynamoDB's shards
 * (`shardId-<20 digits>-<8 hex>`, 37 characters, within ShardId's 28–65).
 */
import { createHash } from 'node:crypto';
import { errors } from '../errors/index.js';
import type { Database } from '../data/database.js';
import type { StreamEntry } from './stream-catalog.js';

const LABEL = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$/;
const STREAM_ARN = /^arn:aws[a-zA-Z-]*:dynamodb:([^:]*):([^:]*):table\/([a-zA-Z0-9_.-]{3,255})\/stream\/([^/]+)$/;

export function streamArn(db: Database, tableName: string, label: string): string {
  return `${db.tableArn(tableName)}/stream/${label}`;
}

/** A stream's ARN names its table's region and account, whichever view lists it. */
export function streamArnOf(db: Database, entry: StreamEntry): string {
  return streamArn(db.inScope(entry), entry.tableName, entry.label);
}

/**
 * The table name and label a stream ARN names. A malformed ARN is a
 * ValidationException ("Invalid StreamArn", as DynamoDB Streams words it);
 * another account's stream is refused as other accounts' tables are
 * (data/table-lookup); another region's stream does not exist in this one:
 * ResourceNotFoundException, as for a stream never created (for
 * ExclusiveStartStreamArn, which must name a stream of this listing,
 * ValidationException).
 */
export function parseStreamArn(db: Database, arn: string, member = 'StreamArn'): { tableName: string; label: string } {
  const m = STREAM_ARN.exec(arn);
  if (m === null || !LABEL.test(m[4]!) || Number.isNaN(Date.parse(`${m[4]!}Z`))) {
    throw errors.validation(`Invalid ${member}`);
  }
  if (m[2] !== db.accountId) {
    throw errors.accessDenied(
      `User: arn:aws:iam::${db.accountId}:user/openddb is not authorized to perform this operation on resource: ${arn} because no resource-based policy allows it`,
    );
  }
  if (m[1] !== db.region) {
    if (member !== 'StreamArn') throw errors.validation(`Invalid ${member}`);
    throw errors.resourceNotFound(`Requested resource not found: Stream: ${arn} not found`);
  }
  return { tableName: m[3]!, label: m[4]! };
}

/** The one shard of a stream: its creation time, and a digest that tells incarnations of a table apart. */
export function shardIdOf(entry: StreamEntry): string {
  const digest = createHash('sha256').update(`${entry.tableId}/${entry.tableName}/${entry.label}`).digest('hex');
  return `shardId-${String(entry.createdAt).padStart(20, '0')}-${digest.slice(0, 8)}`;
}

/** A stable 32-hex eventID for a record (DynamoDB's eventIDs are 32 hex digits). */
export function eventIdOf(entry: StreamEntry, sequence: bigint): string {
  return createHash('sha256').update(`${entry.tableId}/${entry.createdAt}/${sequence}`).digest('hex').slice(0, 32);
}
