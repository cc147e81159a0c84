/**
 * @module api/streams/get-shard-iterator
 * GetShardIterator: a position in a stream's shard to read from —
 * TRIM_HORIZON (the oldest record still kept), LATEST (just after the
 * newest record), AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER a record's
 * sequence number. The iterator expires 15 minutes after it is issued.
 */
import { errors } from '../../errors/index.js';
import { str } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { edgeSequence } from '../../streams/change-log.js';
import { recordsPrefixOf } from '../../streams/stream-catalog.js';
import { parseStreamArn, shardIdOf, streamArnOf } from '../../streams/stream-arn.js';
import { parseSequenceNumber } from '../../streams/sequence-numbers.js';
import { encodeShardIterator } from '../../streams/shard-iterator.js';
import { requireStream, shardRange } from './stream-lookup.js';
import { STREAMS_SERVICE } from './streams-service.js';

type IteratorType = 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER';

interface GetShardIteratorInput {
  StreamArn: string;
  ShardId: string;
  ShardIteratorType: IteratorType;
  SequenceNumber?: string;
}

export const getShardIterator = defineOperation<GetShardIteratorInput>({
  service: STREAMS_SERVICE,
  name: 'GetShardIterator',
  schema: {
    members: {
      StreamArn: str({ required: true, min: 37, max: 1024 }),
      ShardId: str({ required: true, min: 28, max: 65 }),
      ShardIteratorType: str({
        required: true,
        enum: ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'],
      }),
      SequenceNumber: str({ min: 21, max: 40 }),
    },
  },
  async run({ db }, input) {
    // Request checks first, then the stream and shard, then the position.
    parseStreamArn(db, input.StreamArn);
    const type = input.ShardIteratorType;
    const bySequence = type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER';
    if (bySequence && input.SequenceNumber === undefined) {
      throw errors.validation(`SequenceNumber is required for ShardIteratorType ${type}`);
    }
    if (!bySequence && input.SequenceNumber !== undefined) {
      throw errors.validation(`SequenceNumber cannot be specified for ShardIteratorType ${type}`);
    }
    let sequence: bigint | undefined;
    if (input.SequenceNumber !== undefined) {
      sequence = parseSequenceNumber(input.SequenceNumber);
      if (sequence === undefined) throw errors.validation(`Invalid SequenceNumber: ${input.SequenceNumber}`);
    }

    const entry = await requireStream(db, input.StreamArn);
    if (input.ShardId !== shardIdOf(entry)) {
      throw errors.resourceNotFound('Requested resource not found: Shard does not exist');
    }
    const range = await shardRange(db, entry);
    const beforeStart = range.starting > 0n ? range.starting - 1n : 0n;
    let after: bigint;
    switch (type) {
      case 'TRIM_HORIZON':
        after = range.trimmedTo ?? beforeStart;
        break;
      case 'LATEST':
        after = (await edgeSequence(db.engine, recordsPrefixOf(entry), 'last')) ?? beforeStart;
        break;
      case 'AT_SEQUENCE_NUMBER':
        // Asking for a record the 24-hour retention removed is a trimmed read.
        if (range.trimmedTo !== undefined && sequence! <= range.trimmedTo) throw errors.trimmedDataAccess();
        after = sequence! > 0n ? sequence! - 1n : 0n;
        break;
      case 'AFTER_SEQUENCE_NUMBER':
        if (range.trimmedTo !== undefined && sequence! < range.trimmedTo) throw errors.trimmedDataAccess();
        after = sequence!;
        break;
    }
    const iterator = encodeShardIterator({
      streamArn: streamArnOf(db, entry),
      tableId: entry.tableId,
      after,
      issuedAt: db.clock.now(),
    });
    return { ShardIterator: iterator };
  },
});
