/**
 * @module api/all-operations
 * Every operation openddb implements, for the dispatcher: DynamoDB's and
 * DynamoDB Streams'.
 */
import type { Operation } from './operation.js';
import { createTable } from './tables/create-table.js';
import { describeTable } from './tables/describe-table.js';
import { listTables } from './tables/list-tables.js';
import { deleteTable } from './tables/delete-table.js';
import { updateTable } from './tables/update-table.js';
import { tagResource, untagResource, listTagsOfResource } from './tables/tags.js';
import { putResourcePolicy, getResourcePolicy, deleteResourcePolicy } from './tables/resource-policy.js';
import { updateTimeToLive, describeTimeToLive } from './tables/time-to-live.js';
import { describeLimits, describeEndpoints } from './tables/account-info.js';
import { describeContinuousBackups, updateContinuousBackups } from './backups/continuous-backups.js';
import { putItem } from './items/put-item.js';
import { getItem } from './items/get-item.js';
import { deleteItem } from './items/delete-item.js';
import { updateItem } from './items/update-item.js';
import { query } from './reads/query.js';
import { scan } from './reads/scan.js';
import { searchVectorsOperation } from './reads/search-vectors.js';
import { batchGetItem } from './items/batch-get-item.js';
import { batchWriteItem } from './items/batch-write-item.js';
import { transactWriteItems } from './transactions/transact-write-items.js';
import { transactGetItems } from './transactions/transact-get-items.js';
import { executeStatement } from './partiql/execute-statement.js';
import { batchExecuteStatement } from './partiql/batch-execute-statement.js';
import { executeTransaction } from './partiql/execute-transaction.js';
import { listStreams } from './streams/list-streams.js';
import { describeStream } from './streams/describe-stream.js';
import { getShardIterator } from './streams/get-shard-iterator.js';
import { getRecords } from './streams/get-records.js';
import { exportTableToPointInTime, describeExport, listExports } from './transfer/exports.js';
import { importTable, describeImport, listImports } from './transfer/imports.js';
import { startBulkPutItems, describeBulkOperation, listBulkOperations, cancelBulkOperation } from './transfer/bulk-operations.js';

export const allOperations: readonly Operation[] = [
  createTable,
  describeTable,
  listTables,
  deleteTable,
  updateTable,
  tagResource,
  untagResource,
  listTagsOfResource,
  putResourcePolicy,
  getResourcePolicy,
  deleteResourcePolicy,
  updateTimeToLive,
  describeTimeToLive,
  describeLimits,
  describeEndpoints,
  describeContinuousBackups,
  updateContinuousBackups,
  putItem,
  getItem,
  deleteItem,
  updateItem,
  query,
  scan,
  searchVectorsOperation,
  batchGetItem,
  batchWriteItem,
  transactWriteItems,
  transactGetItems,
  executeStatement,
  batchExecuteStatement,
  executeTransaction,
  exportTableToPointInTime,
  describeExport,
  listExports,
  importTable,
  describeImport,
  listImports,
  startBulkPutItems,
  describeBulkOperation,
  listBulkOperations,
  cancelBulkOperation,
  // DynamoDB Streams (target prefix DynamoDBStreams_20120810.)
  listStreams,
  describeStream,
  getShardIterator,
  getRecords,
];
