/**
 * @module api/streams/stream-lookup
 * Finding the stream a request names, and where its one shard begins and
 * ends, with DynamoDB Streams' errors when it does not exist.
 */
import { errors } from '../../errors/index.js';
import type { Database } from '../../data/database.js';
import { edgeSequence, trimPoint } from '../../streams/change-log.js';
import { readStreamEntry, recordsPrefixOf, type StreamEntry } from '../../streams/stream-catalog.js';
import { parseStreamArn } from '../../streams/stream-arn.js';
import { sequenceAtMs } from '../../streams/sequence-numbers.js';

/** The stream an ARN names: ValidationException if malformed, ResourceNotFoundException if unknown. */
export async function requireStream(db: Database, arn: string): Promise<StreamEntry> {
  const { tableName, label } = parseStreamArn(db, arn);
  const entry = await readStreamEntry(db.engine, db.scope, tableName, label);
  if (entry === undefined) throw errors.resourceNotFound(`Requested resource not found: Stream: ${arn} not found`);
  return entry;
}

export interface ShardRange {
  /** The first position a reader can start at: past anything trimmed. */
  readonly starting: bigint;
  /** The last record of a closed shard; undefined while the shard is open. */
  readonly ending: bigint | undefined;
  /** The highest sequence number trimmed away, if any. */
  readonly trimmedTo: bigint | undefined;
}

/**
 * A shard's sequence number range. It starts where the stream was created
 * (or, once records have been trimmed, just past them), so an
 * AT_SEQUENCE_NUMBER iterator at StartingSequenceNumber reads everything
 * still kept, as TRIM_HORIZON does. A closed shard ends at its last record
 * (an empty one ends where it starts).
 */
export async function shardRange(db: Database, entry: StreamEntry): Promise<ShardRange> {
  const prefix = recordsPrefixOf(entry);
  const trimmedTo = await trimPoint(db.engine, prefix);
  let starting: bigint;
  if (trimmedTo !== undefined) {
    starting = trimmedTo + 1n;
  } else {
    // A record drawn under a clock that went backwards could precede the label.
    const first = await edgeSequence(db.engine, prefix, 'first');
    const created = sequenceAtMs(entry.createdAt);
    starting = first !== undefined && first < created ? first : created;
  }
  let ending: bigint | undefined;
  if (entry.closedAt !== undefined) {
    const last = await edgeSequence(db.engine, prefix, 'last');
    ending = last !== undefined && last >= starting ? last : starting;
  }
  return { starting, ending, trimmedTo };
}
