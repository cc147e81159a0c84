/**
 * @module api/streams/list-streams
 * ListStreams: every stream of the account in the request's region, enabled or closed (a closed
 * stream is listed until it is deleted, 24 hours after it closed), in order
 * of table name and then creation, optionally of one table; paged by
 * Limit (default and maximum 100) and ExclusiveStartStreamArn.
 */
import { errors } from '../../errors/index.js';
import { int, str, tableName } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import { listStreamEntries } from '../../streams/stream-catalog.js';
import { parseStreamArn, streamArnOf } from '../../streams/stream-arn.js';
import { STREAMS_SERVICE } from './streams-service.js';

interface ListStreamsInput {
  TableName?: string;
  Limit?: number;
  ExclusiveStartStreamArn?: string;
}

export const listStreams = defineOperation<ListStreamsInput>({
  service: STREAMS_SERVICE,
  name: 'ListStreams',
  schema: {
    members: {
      TableName: tableName(),
      Limit: int({ min: 1, max: 100 }),
      ExclusiveStartStreamArn: str({ min: 37, max: 1024 }),
    },
  },
  async run({ db }, input) {
    const after =
      input.ExclusiveStartStreamArn === undefined
        ? undefined
        : parseStreamArn(db, input.ExclusiveStartStreamArn, 'ExclusiveStartStreamArn');
    const limit = input.Limit ?? 100;
    const page = await listStreamEntries(db.engine, {
      scope: db.scope,
      ...(input.TableName !== undefined ? { tableName: input.TableName } : {}),
      ...(after !== undefined ? { after: { ...db.scope, ...after } } : {}),
      limit,
    });
    if (
      input.TableName !== undefined &&
      after === undefined &&
      page.entries.length === 0 &&
      db.catalog.get(input.TableName) === undefined
    ) {
      // A table that neither exists nor left a stream behind.
      throw errors.resourceNotFound(`Requested resource not found: Table: ${input.TableName} not found`);
    }
    const streams = page.entries.map((entry) => ({
      StreamArn: streamArnOf(db, entry),
      TableName: entry.tableName,
      StreamLabel: entry.label,
    }));
    const out: Record<string, unknown> = { Streams: streams };
    if (page.more) out.LastEvaluatedStreamArn = streams[streams.length - 1]!.StreamArn;
    return out;
  },
});
