/**
 * @module api/streams/describe-stream
 * DescribeStream: a stream's status, view type, table and key schema, and
 * its shards. openddb keeps one shard per stream for the stream's whole
 * life (DynamoDB splits shards over time and by load); it is open while the
 * stream is ENABLED and closed, with an EndingSequenceNumber, once the
 * stream is DISABLED.
 */
import { int, str, struct } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { keySchemaElements } from '../tables/table-description.js';
import { shardIdOf, streamArnOf } from '../../streams/stream-arn.js';
import { formatSequenceNumber } from '../../streams/sequence-numbers.js';
import { requireStream, shardRange } from './stream-lookup.js';
import { STREAMS_SERVICE } from './streams-service.js';

interface DescribeStreamInput {
  StreamArn: string;
  Limit?: number;
  ExclusiveStartShardId?: string;
  ShardFilter?: { Type?: string; ShardId?: string };
}

export const describeStream = defineOperation<DescribeStreamInput>({
  service: STREAMS_SERVICE,
  name: 'DescribeStream',
  schema: {
    members: {
      StreamArn: str({ required: true, min: 37, max: 1024 }),
      Limit: int({ min: 1, max: 100 }),
      ExclusiveStartShardId: str({ min: 28, max: 65 }),
      ShardFilter: struct(
        { Type: str({ enum: ['CHILD_SHARDS'] }), ShardId: str({ min: 28, max: 65 }) },
        { javaName: 'ShardFilter' },
      ),
    },
  },
  async run({ db }, input) {
    const entry = await requireStream(db, input.StreamArn);
    const shardId = shardIdOf(entry);
    const shards: Record<string, unknown>[] = [];
    // Shards are listed in ShardId order; one that sorts at or before the
    // exclusive start was on an earlier page (an unknown id is no error in
    // DynamoDB, just a position). The one shard never has children.
    const listed =
      input.ShardFilter?.Type !== 'CHILD_SHARDS' &&
      (input.ExclusiveStartShardId === undefined || input.ExclusiveStartShardId < shardId);
    if (listed) {
      const range = await shardRange(db, entry);
      const sequenceNumberRange: Record<string, string> = { StartingSequenceNumber: formatSequenceNumber(range.starting) };
      if (range.ending !== undefined) sequenceNumberRange.EndingSequenceNumber = formatSequenceNumber(range.ending);
      shards.push({ ShardId: shardId, SequenceNumberRange: sequenceNumberRange });
    }
    return {
      StreamDescription: {
        StreamArn: streamArnOf(db, entry),
        StreamLabel: entry.label,
        StreamStatus: entry.closedAt === undefined ? 'ENABLED' : 'DISABLED',
        StreamViewType: entry.viewType,
        CreationRequestDateTime: entry.createdAt / 1000,
        TableName: entry.tableName,
        KeySchema: keySchemaElements(entry.keySchema),
        Shards: shards,
      },
    };
  },
});
