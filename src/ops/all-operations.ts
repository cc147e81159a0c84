/**
 * @module ops/all-operations
 * Every operation openddb implements, for the dispatcher: DynamoDB's and
 * DynamoDB Streams'.
 */
import type { Operation } from './operation.js';
import { createTable } from './create-table.js';
import { describeTable } from './describe-table.js';
import { listTables } from './list-tables.js';
import { deleteTable } from './delete-table.js';
import { updateTable } from './update-table.js';
import { tagResource, untagResource, listTagsOfResource } from './tags.js';
import { updateTimeToLive, describeTimeToLive } from './time-to-live.js';
import { describeLimits, describeEndpoints, describeContinuousBackups } from './account-info.js';
import { putItem } from './put-item.js';
import { getItem } from './get-item.js';
import { deleteItem } from './delete-item.js';
import { updateItem } from './update-item.js';
import { query } from './query.js';
import { scan } from './scan.js';
import { batchGetItem } from './batch-get-item.js';
import { batchWriteItem } from './batch-write-item.js';
import { transactWriteItems } from './transact-write-items.js';
import { transactGetItems } from './transact-get-items.js';
import { executeStatement } from './execute-statement.js';
import { batchExecuteStatement } from './batch-execute-statement.js';
import { executeTransaction } from './execute-transaction.js';
import { listStreams } from './streams/list-streams.js';
import { describeStream } from './streams/describe-stream.js';
import { getShardIterator } from './streams/get-shard-iterator.js';
import { getRecords } from './streams/get-records.js';

export const allOperations: readonly Operation[] = [
  createTable,
  describeTable,
  listTables,
  deleteTable,
  updateTable,
  tagResource,
  untagResource,
  listTagsOfResource,
  updateTimeToLive,
  describeTimeToLive,
  describeLimits,
  describeEndpoints,
  describeContinuousBackups,
  putItem,
  getItem,
  deleteItem,
  updateItem,
  query,
  scan,
  batchGetItem,
  batchWriteItem,
  transactWriteItems,
  transactGetItems,
  executeStatement,
  batchExecuteStatement,
  executeTransaction,
  // DynamoDB Streams (target prefix DynamoDBStreams_20120810.)
  listStreams,
  describeStream,
  getShardIterator,
  getRecords,
];
