/**
 * @module api/transfer/bulk-operations
 * StartBulkPutItems, DescribeBulkOperation, ListBulkOperations and
 * CancelBulkOperation (issue 17): request checks and answers; the work is
 * transfer/bulk-job, run in the background by transfer/jobs.
 *
 * A bulk operation's ARN is `<table ARN>/bulk-operation/<id>` (DynamoDB's
 * documentation gives no example; docs/compatibility.md).
 */
import { errors } from '../../errors/index.js';
import { int, list, long, str, struct, tableNameOrArn } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import type { Database } from '../../data/database.js';
import type { CapacityParts } from '../../data/capacity.js';
import { requireTableForControl } from '../../data/table-lookup.js';
import { findByToken, isUnfinished, listJobs, newJobId, parametersHash, readJob, requestCancel, isCancelRequested, startJob, type JobRecord } from '../../transfer/jobs.js';
import type { BulkRequest, BulkState } from '../../transfer/bulk-job.js';
import { compact, page, parseJobArn, publicRequest, requireTransfer, seconds } from './shared.js';

const BUCKET_PATTERN = '^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$';

interface StartInput {
  ClientToken?: string;
  InputS3Configuration: { S3BucketOwner?: string; S3Bucket: string; S3KeyPrefix?: string; InputFormat: 'DYNAMODB_JSON' | 'ION'; InputCompressionType?: 'GZIP' | 'ZSTD' | 'NONE' };
  OutputS3Configuration: { S3BucketOwner?: string; S3Bucket?: string; S3KeyPrefix?: string; S3SseAlgorithm?: string; S3SseKmsKeyId?: string; OutputType: string[] };
  TableName: string;
  MaxWriteRequestUnits?: number;
  PerformanceTier?: 'STANDARD' | 'ACCELERATED';
}

/** The status DynamoDB shows: CANCELLING between a cancel request and the job stopping. */
async function shownStatus(db: Database, job: JobRecord): Promise<string> {
  if (job.status === 'IN_PROGRESS' && (await isCancelRequested(db, job))) return 'CANCELLING';
  return job.status;
}

/** BulkOperationUsage's entry for the table: its bytes and each index's (BulkPutVectorBytes for vector indexes). */
function bulkUsage(tableName: string, p: Record<string, unknown>): Record<string, unknown> {
  const total = (p.BulkPutBytes as number | undefined) ?? 0;
  const usage = p.Usage as CapacityParts | undefined;
  const bytes = (m: Readonly<Record<string, number>> | undefined, member: string) =>
    m === undefined || Object.keys(m).length === 0 ? undefined : Object.fromEntries(Object.entries(m).map(([name, n]) => [name, { [member]: n }]));
  return compact({
    TableName: tableName,
    BulkPutBytes: total,
    Table: { BulkPutBytes: usage?.table ?? total },
    LocalSecondaryIndexes: bytes(usage?.localIndexes, 'BulkPutBytes'),
    GlobalSecondaryIndexes: bytes(usage?.globalIndexes, 'BulkPutBytes'),
    VectorIndexes: bytes(usage?.vectorIndexes, 'BulkPutVectorBytes'),
  });
}

export async function bulkDescription(db: Database, job: JobRecord): Promise<Record<string, unknown>> {
  const r = publicRequest(job);
  const p = job.progress;
  return compact({
    BulkOperationArn: job.arn,
    BulkOperationStatus: await shownStatus(db, job),
    TableDetails: [{ TableName: job.tableName, TableId: r.TableId }],
    ClientToken: job.clientToken,
    InputS3Configuration: r.InputS3Configuration,
    OutputS3Configuration: r.OutputS3Configuration,
    StartTime: seconds(job.startTime),
    EndTime: seconds(job.endTime),
    ProcessedItemCount: p.ProcessedItemCount ?? 0,
    ProcessedInputBytes: p.ProcessedInputBytes ?? 0,
    TotalInputBytes: p.TotalInputBytes,
    BulkOperationUsage: [bulkUsage(job.tableName, p)],
    FailedItemCount: p.FailedItemCount ?? 0,
    FailureCode: job.failureCode,
    FailureMessage: job.failureMessage,
    MaxWriteRequestUnits: r.MaxWriteRequestUnits,
    PerformanceTier: r.PerformanceTier,
  });
}

export const startBulkPutItems = defineOperation<StartInput>({
  name: 'StartBulkPutItems',
  schema: {
    members: {
      ClientToken: str({ pattern: '^[^$]+$' }),
      InputS3Configuration: struct(
        {
          S3BucketOwner: str({ pattern: '[0-9]{12}' }),
          S3Bucket: str({ required: true, max: 255, pattern: BUCKET_PATTERN }),
          S3KeyPrefix: str({ max: 1024 }),
          InputFormat: str({ required: true, enum: ['DYNAMODB_JSON', 'ION'] }),
          InputCompressionType: str({ enum: ['GZIP', 'ZSTD', 'NONE'] }),
        },
        { required: true },
      ),
      OutputS3Configuration: struct(
        {
          S3BucketOwner: str({ pattern: '[0-9]{12}' }),
          S3Bucket: str({ max: 255, pattern: BUCKET_PATTERN }),
          S3KeyPrefix: str({ max: 1024 }),
          S3SseAlgorithm: str({ enum: ['AES256', 'KMS'] }),
          S3SseKmsKeyId: str({ min: 1, max: 2048 }),
          OutputType: list(str({ enum: ['ERROR', 'CONDITION_CHECK_FAILURE'] }), { required: true, min: 1, max: 2 }),
        },
        { required: true },
      ),
      TableName: tableNameOrArn({ required: true }),
      MaxWriteRequestUnits: long({ min: 1024 }),
      PerformanceTier: str({ enum: ['STANDARD', 'ACCELERATED'] }),
    },
  },
  async run({ db }, input) {
    const service = requireTransfer(db, 'StartBulkPutItems');
    const table = requireTableForControl(db, input.TableName);
    const { ClientToken: _token, ...parameters } = input;
    const hash = parametersHash({ ...parameters, TableName: table.name });
    if (input.ClientToken !== undefined) {
      const previous = await findByToken(db, 'bulk', input.ClientToken, hash);
      if (previous !== undefined) return answer(db, previous.job, previous.sameParameters);
    }
    const now = db.clock.now();
    const id = newJobId(now);
    const tableArn = db.tableArn(table.name);
    const inCfg = input.InputS3Configuration;
    const outCfg = input.OutputS3Configuration;
    const bulk: BulkRequest = {
      input: {
        bucket: inCfg.S3Bucket,
        keyPrefix: inCfg.S3KeyPrefix ?? '',
        format: inCfg.InputFormat,
        compression: inCfg.InputCompressionType ?? 'NONE',
        keyTypes: {},
      },
      output: {
        ...(outCfg.S3Bucket !== undefined ? { bucket: outCfg.S3Bucket } : {}),
        ...(outCfg.S3KeyPrefix !== undefined ? { keyPrefix: outCfg.S3KeyPrefix } : {}),
        types: outCfg.OutputType,
      },
      ...(input.MaxWriteRequestUnits !== undefined ? { maxWriteRequestUnits: input.MaxWriteRequestUnits } : {}),
    };
    const job: JobRecord = {
      kind: 'bulk',
      id,
      account: db.accountId,
      region: db.region,
      arn: `${tableArn}/bulk-operation/${id}`,
      tableName: table.name,
      startTime: now,
      status: 'IN_PROGRESS',
      request: compact({
        TableId: table.uuid,
        InputS3Configuration: { ...inCfg, InputCompressionType: inCfg.InputCompressionType ?? 'NONE' },
        OutputS3Configuration: outCfg,
        MaxWriteRequestUnits: input.MaxWriteRequestUnits,
        PerformanceTier: input.PerformanceTier ?? 'STANDARD',
        __bulk: bulk,
        __tableUuid: table.uuid,
      }),
      progress: {},
      ...(input.ClientToken !== undefined ? { clientToken: input.ClientToken } : {}),
    };
    const state: BulkState = {
      objectIndex: 0,
      recordIndex: 0,
      processed: 0,
      failed: 0,
      conditionFailed: 0,
      inputBytes: 0,
      putBytes: 0,
      part: 0,
      outputs: [],
      units: 0,
    };
    const started = await startJob(db, job, state, hash);
    if (!started.started) return answer(db, started.job, started.sameParameters);
    service.supervisor.kick();
    return { BulkOperationDescription: await bulkDescription(db, job) };
  },
});

async function answer(db: Database, job: JobRecord, sameParameters: boolean): Promise<{ BulkOperationDescription: Record<string, unknown> }> {
  if (!sameParameters) {
    throw errors.idempotentParameterMismatch('The ClientToken was already used by a StartBulkPutItems request with different parameters');
  }
  return { BulkOperationDescription: await bulkDescription(db, job) };
}

async function findBulk(db: Database, arn: string): Promise<JobRecord> {
  const parsed = parseJobArn(db, arn, 'bulk-operation');
  const job = parsed === undefined ? undefined : await readJob(db, 'bulk', parsed.id);
  if (job === undefined || job.arn !== arn) throw errors.resourceNotFound(`Requested resource not found: Bulk operation ${arn} not found`);
  return job;
}

const arnMember = () => str({ required: true, min: 37, max: 1024 });

export const describeBulkOperation = defineOperation<{ BulkOperationArn: string }>({
  name: 'DescribeBulkOperation',
  schema: { members: { BulkOperationArn: arnMember() } },
  async run({ db }, input) {
    requireTransfer(db, 'DescribeBulkOperation');
    return { BulkOperationDescription: await bulkDescription(db, await findBulk(db, input.BulkOperationArn)) };
  },
});

export const listBulkOperations = defineOperation<{ MaxResults?: number; NextToken?: string }>({
  name: 'ListBulkOperations',
  schema: { members: { MaxResults: int({ min: 1, max: 100 }), NextToken: str() } },
  async run({ db }, input) {
    requireTransfer(db, 'ListBulkOperations');
    const jobs = await listJobs(db, 'bulk');
    const { items, next } = page(jobs, input.MaxResults ?? 100, input.NextToken);
    const summaries = [];
    for (const j of items) {
      summaries.push(compact({ BulkOperationArn: j.arn, BulkOperationStatus: await shownStatus(db, j), StartTime: seconds(j.startTime), EndTime: seconds(j.endTime) }));
    }
    return compact({ BulkOperationsSummaryList: summaries, NextToken: next });
  },
});

export const cancelBulkOperation = defineOperation<{ BulkOperationArn: string }>({
  name: 'CancelBulkOperation',
  schema: { members: { BulkOperationArn: arnMember() } },
  async run({ db }, input) {
    requireTransfer(db, 'CancelBulkOperation');
    const job = await findBulk(db, input.BulkOperationArn);
    if (!(await isUnfinished(db, job)) || !(await requestCancel(db, job))) {
      const now = (await readJob(db, 'bulk', job.id)) ?? job;
      throw errors.validation(`The bulk operation cannot be cancelled: its status is ${now.status}`);
    }
    return { BulkOperationArn: job.arn, BulkOperationStatus: 'CANCELLING' };
  },
});
