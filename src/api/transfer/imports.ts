/**
 * @module api/transfer/imports
 * ImportTable, DescribeImport and ListImports. ImportTable creates the new
 * table at once — CreateTable's own checks and errors decide whether
 * TableCreationParameters are valid — as CREATING, and the job
 * (transfer/import-job) loads it in the background and makes it ACTIVE.
 *
 * Bad records are counted in ErrorCount and written to the server's log
 * (DynamoDB writes them to CloudWatch Logs; docs/compatibility.md).
 */
import { errors } from '../../errors/index.js';
import { int, list, str, struct } from '../../validate/index.js';
import { defineOperation, type OpContext } from '../operation.js';
import type { Database } from '../../data/database.js';
import { listJobs, newJobId, parametersHash, readJob, startJob, findByToken, type JobRecord } from '../../transfer/jobs.js';
import type { ImportState } from '../../transfer/import-job.js';
import type { InputSpec } from '../../transfer/input.js';
import { createTable, globalIndexShape } from '../tables/create-table.js';
import { vectorIndexShape } from '../tables/vector-indexes.js';
import { attributeDefinition, keySchema, onDemandThroughput, provisionedThroughput, sseSpecification } from '../tables/table-schemas.js';
import { compact, page, parseJobArn, publicRequest, requireTransfer, seconds } from './shared.js';

interface ImportInput {
  ClientToken?: string;
  S3BucketSource: { S3BucketOwner?: string; S3Bucket: string; S3KeyPrefix?: string };
  InputFormat: 'DYNAMODB_JSON' | 'ION' | 'CSV';
  InputFormatOptions?: { Csv?: { Delimiter?: string; HeaderList?: string[] } };
  InputCompressionType?: 'GZIP' | 'ZSTD' | 'NONE';
  TableCreationParameters: Record<string, unknown> & {
    TableName: string;
    AttributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
    KeySchema: { AttributeName: string; KeyType: string }[];
  };
}

const s3BucketSource = struct({
  S3BucketOwner: str({ pattern: '[0-9]{12}' }),
  S3Bucket: str({ required: true, max: 255, pattern: '^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$' }),
  S3KeyPrefix: str({ max: 1024 }),
});

export function importDescription(job: JobRecord): Record<string, unknown> {
  const r = publicRequest(job);
  return compact({
    ImportArn: job.arn,
    ImportStatus: job.status,
    TableArn: r.TableArn,
    TableId: r.TableId,
    ClientToken: job.clientToken,
    S3BucketSource: r.S3BucketSource,
    ErrorCount: job.progress.ErrorCount ?? 0,
    CloudWatchLogGroupArn: r.CloudWatchLogGroupArn,
    InputFormat: r.InputFormat,
    InputFormatOptions: r.InputFormatOptions,
    InputCompressionType: r.InputCompressionType,
    TableCreationParameters: r.TableCreationParameters,
    StartTime: seconds(job.startTime),
    EndTime: seconds(job.endTime),
    ProcessedSizeBytes: job.progress.ProcessedSizeBytes ?? 0,
    ProcessedItemCount: job.progress.ProcessedItemCount ?? 0,
    ImportedItemCount: job.progress.ImportedItemCount ?? 0,
    FailureCode: job.failureCode,
    FailureMessage: job.failureMessage,
  });
}

export const importTable = defineOperation<ImportInput>({
  name: 'ImportTable',
  schema: {
    members: {
      ClientToken: str({ pattern: '^[^$]+$' }),
      S3BucketSource: { ...s3BucketSource, required: true },
      InputFormat: str({ required: true, enum: ['DYNAMODB_JSON', 'ION', 'CSV'] }),
      InputFormatOptions: struct({
        Csv: struct({
          Delimiter: str({ min: 1, max: 1, pattern: '[,;:|\\t ]' }),
          HeaderList: list(str({ min: 1, max: 65536, pattern: '[\\x20-\\x21\\x23-\\x2B\\x2D-\\x7E]*' }), { min: 1, max: 255 }),
        }),
      }),
      InputCompressionType: str({ enum: ['GZIP', 'ZSTD', 'NONE'] }),
      TableCreationParameters: struct(
        {
          TableName: str({ required: true, min: 3, max: 255, pattern: '[a-zA-Z0-9_.-]+' }),
          AttributeDefinitions: list(attributeDefinition, { required: true }),
          KeySchema: keySchema({ required: true }),
          BillingMode: str({ enum: ['PROVISIONED', 'PAY_PER_REQUEST'] }),
          ProvisionedThroughput: provisionedThroughput,
          OnDemandThroughput: onDemandThroughput,
          SSESpecification: sseSpecification,
          GlobalSecondaryIndexes: list(globalIndexShape),
          VectorIndexes: list(vectorIndexShape),
        },
        { required: true },
      ),
    },
  },
  async run(ctx, input) {
    const { db } = ctx;
    const service = requireTransfer(db, 'ImportTable');
    if (input.InputFormatOptions?.Csv !== undefined && input.InputFormat !== 'CSV') {
      throw errors.validation('InputFormatOptions Csv is only valid with InputFormat CSV');
    }
    const { ClientToken: _token, ...parameters } = input;
    const hash = parametersHash(parameters);
    if (input.ClientToken !== undefined) {
      const previous = await findByToken(db, 'import', input.ClientToken, hash);
      if (previous !== undefined) return answer(previous.job, previous.sameParameters);
    }
    const params = input.TableCreationParameters;
    const table = await createImportTable(ctx, params);
    const now = db.clock.now();
    const id = newJobId(now);
    const tableArn = db.tableArn(table.name);
    const keyTypes = Object.fromEntries(
      params.KeySchema.map((k) => [k.AttributeName, params.AttributeDefinitions.find((d) => d.AttributeName === k.AttributeName)?.AttributeType ?? 'S']),
    );
    const spec: InputSpec = {
      bucket: input.S3BucketSource.S3Bucket,
      keyPrefix: input.S3BucketSource.S3KeyPrefix ?? '',
      format: input.InputFormat,
      compression: input.InputCompressionType ?? 'NONE',
      ...(input.InputFormatOptions?.Csv !== undefined
        ? {
            csv: {
              ...(input.InputFormatOptions.Csv.Delimiter !== undefined ? { delimiter: input.InputFormatOptions.Csv.Delimiter } : {}),
              ...(input.InputFormatOptions.Csv.HeaderList !== undefined ? { headers: input.InputFormatOptions.Csv.HeaderList } : {}),
            },
          }
        : {}),
      keyTypes,
    };
    const job: JobRecord = {
      kind: 'import',
      id,
      account: db.accountId,
      region: db.region,
      arn: `${tableArn}/import/${id}`,
      tableName: table.name,
      startTime: now,
      status: 'IN_PROGRESS',
      request: compact({
        TableArn: tableArn,
        TableId: table.uuid,
        S3BucketSource: input.S3BucketSource,
        CloudWatchLogGroupArn: `arn:aws:logs:${db.region}:${db.accountId}:log-group:/aws-dynamodb/imports:*`,
        InputFormat: input.InputFormat,
        InputFormatOptions: input.InputFormatOptions,
        InputCompressionType: input.InputCompressionType ?? 'NONE',
        TableCreationParameters: params,
        __input: spec,
      }),
      progress: {},
      ...(input.ClientToken !== undefined ? { clientToken: input.ClientToken } : {}),
    };
    const state: ImportState = { tableId: table.id, objectIndex: 0, recordIndex: 0, processed: 0, imported: 0, errors: 0, bytes: 0 };
    const started = await startJob(db, job, state, hash);
    if (!started.started) return answer(started.job, started.sameParameters);
    service.supervisor.kick();
    return { ImportTableDescription: importDescription(job) };
  },
});

/** The new table, through CreateTable's own checks, then CREATING until the import completes. */
async function createImportTable(ctx: OpContext, params: ImportInput['TableCreationParameters']) {
  const { db } = ctx;
  await createTable.run(ctx, { ...params });
  for (;;) {
    const table = db.catalog.get(params.TableName);
    if (table === undefined) throw errors.internal();
    if (table.status === 'CREATING') return table;
    if (await db.catalog.replace(table, { ...table, status: 'CREATING' })) return db.catalog.get(params.TableName)!;
    await db.catalog.refresh();
  }
}

function answer(job: JobRecord, sameParameters: boolean): { ImportTableDescription: Record<string, unknown> } {
  if (!sameParameters) {
    throw errors.importConflict(
      'There was a conflict when importing from the specified S3 source. This can occur when the current import conflicts with a previous import request that had the same client token.',
    );
  }
  return { ImportTableDescription: importDescription(job) };
}

async function findImport(db: Database, importArn: string): Promise<JobRecord> {
  const parsed = parseJobArn(db, importArn, 'import');
  const job = parsed === undefined ? undefined : await readJob(db, 'import', parsed.id);
  if (job === undefined || job.arn !== importArn) throw errors.importNotFound(`Import not found: ${importArn}`);
  return job;
}

export const describeImport = defineOperation<{ ImportArn: string }>({
  name: 'DescribeImport',
  schema: { members: { ImportArn: str({ required: true, min: 37, max: 1024 }) } },
  async run({ db }, input) {
    requireTransfer(db, 'DescribeImport');
    return { ImportTableDescription: importDescription(await findImport(db, input.ImportArn)) };
  },
});

export const listImports = defineOperation<{ TableArn?: string; PageSize?: number; NextToken?: string }>({
  name: 'ListImports',
  schema: {
    members: {
      TableArn: str({ min: 1, max: 1024 }),
      PageSize: int({ min: 1, max: 25 }),
      NextToken: str({ min: 112, max: 1024, pattern: '([0-9a-f]{16})+' }),
    },
  },
  async run({ db }, input) {
    requireTransfer(db, 'ListImports');
    let jobs = await listJobs(db, 'import');
    if (input.TableArn !== undefined) jobs = jobs.filter((j) => j.request.TableArn === input.TableArn);
    // DynamoDB's NextToken for ListImports is hex (112+ characters): the last id, hex-encoded and padded.
    const after = input.NextToken === undefined ? undefined : Buffer.from(input.NextToken.replace(/(00)+$/, ''), 'hex').toString('utf8');
    const { items, next } = page(jobs, input.PageSize ?? 25, after);
    return compact({
      ImportSummaryList: items.map((j) => {
        const r = publicRequest(j);
        return compact({
          ImportArn: j.arn,
          ImportStatus: j.status,
          TableArn: r.TableArn,
          S3BucketSource: r.S3BucketSource,
          CloudWatchLogGroupArn: r.CloudWatchLogGroupArn,
          InputFormat: r.InputFormat,
          StartTime: seconds(j.startTime),
          EndTime: seconds(j.endTime),
        });
      }),
      NextToken: next === undefined ? undefined : Buffer.from(next, 'utf8').toString('hex').padEnd(112, '0'),
    });
  },
});
