/**
 * @module api/streams/get-records
 * GetRecords: the records after a shard iterator's position, at most Limit
 * (default and maximum 1000) and about 1 MB, in sequence order, with the
 * iterator to continue from. An open shard always returns a
 * NextShardIterator (possibly with no records yet); a closed shard stops
 * returning one once it has been read to the end.
 */
import { errors } from '../../errors/index.js';
import { int, str } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { readRecordsAfter, trimPoint } from '../../streams/change-log.js';
import { readStreamEntry, recordsPrefixOf } from '../../streams/stream-catalog.js';
import { eventIdOf, parseStreamArn } from '../../streams/stream-arn.js';
import { formatSequenceNumber } from '../../streams/sequence-numbers.js';
import { decodeShardIterator, encodeShardIterator, ITERATOR_LIFETIME_MS } from '../../streams/shard-iterator.js';
import { renderRecord } from '../../streams/stream-record.js';
import { STREAMS_SERVICE } from './streams-service.js';

/** "GetRecords can retrieve a maximum of 1 MB of data or 1000 stream records" (API reference). */
const MAX_PAGE_BYTES = 1024 * 1024;
const MAX_RECORDS = 1000;

export const getRecords = defineOperation<{ ShardIterator: string; Limit?: number }>({
  service: STREAMS_SERVICE,
  name: 'GetRecords',
  schema: {
    members: {
      ShardIterator: str({ required: true, min: 1, max: 2048 }),
      Limit: int({ min: 1, max: MAX_RECORDS }),
    },
  },
  async run({ db }, input) {
    const iterator = decodeShardIterator(input.ShardIterator);
    if (iterator === undefined) throw errors.validation('Invalid ShardIterator');
    const now = db.clock.now();
    if (now - iterator.issuedAt > ITERATOR_LIFETIME_MS) throw errors.expiredIterator();
    const { tableName, label } = parseStreamArn(db, iterator.streamArn);
    const entry = await readStreamEntry(db.engine, db.scope, tableName, label);
    if (entry === undefined || entry.tableId !== iterator.tableId) {
      throw errors.resourceNotFound(`Requested resource not found: Stream: ${iterator.streamArn} not found`);
    }
    const prefix = recordsPrefixOf(entry);
    const limit = input.Limit ?? MAX_RECORDS;
    const rows = await readRecordsAfter(db.engine, prefix, iterator.after, limit);
    // Read after the records: if the trimmer removed any record past the
    // position before or while they were read, the page may have a hole.
    const trimmedTo = await trimPoint(db.engine, prefix);
    if (trimmedTo !== undefined && iterator.after < trimmedTo) throw errors.trimmedDataAccess();

    const records: Record<string, unknown>[] = [];
    let bytes = 0;
    let position = iterator.after;
    for (const row of rows) {
      if (records.length > 0 && bytes + row.bytes > MAX_PAGE_BYTES) break;
      bytes += row.bytes;
      position = row.sequence;
      records.push(
        renderRecord(row.record, {
          viewType: entry.viewType,
          region: db.region,
          sequenceNumber: formatSequenceNumber(row.sequence),
          eventId: eventIdOf(entry, row.sequence),
        }),
      );
    }
    // ReturnedRecordsCount, ReturnedBytes (stored bytes) and the reader's lag: the age of the newest record returned.
    const newest = records.length > 0 ? rows[records.length - 1]!.record.t : undefined;
    db.meter.streamRead(tableName, records.length, bytes, newest === undefined ? undefined : db.clock.now() - newest);
    const out: Record<string, unknown> = { Records: records };
    const readToEnd = records.length === rows.length && rows.length < limit;
    // A closed shard read to its end has no next iterator ("If set to null,
    // the shard has been closed"): the member is left out, as DynamoDB does.
    if (!(entry.closedAt !== undefined && readToEnd)) {
      out.NextShardIterator = encodeShardIterator({
        streamArn: iterator.streamArn,
        tableId: entry.tableId,
        after: position,
        issuedAt: now,
      });
    }
    return out;
  },
});
