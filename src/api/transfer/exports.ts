/**
 * @module api/transfer/exports
 * ExportTableToPointInTime, DescribeExport and ListExports: request checks
 * and answers; the export itself is transfer/export-job, run in the
 * background by transfer/jobs.
 *
 * With the server's point-in-time reader (issue 14; transfer/point-in-time)
 * an export reads the table exactly as of ExportTime (default: the
 * request's time), and INCREMENTAL_EXPORT the changes between two times in
 * the recovery window. Without one, an export reads the live table, and an
 * ExportTime in the past or INCREMENTAL_EXPORT is refused with a
 * ValidationException naming what is missing, never answered with data of
 * another time.
 */
import { errors } from '../../errors/index.js';
import { int, str, struct, type NumberShape } from '../../validate/index.js';
import { defineOperation } from '../operation.js';
import type { Database } from '../../data/database.js';
import { parseTableArn } from '../../data/table-lookup.js';
import { listJobs, newJobId, parametersHash, readJob, startJob, findByToken, type JobRecord } from '../../transfer/jobs.js';
import type { ExportState } from '../../transfer/export-job.js';
import { compact, page, parseJobArn, publicRequest, requireTransfer, seconds } from './shared.js';

const timestamp = (): NumberShape => ({ type: 'double' });
/** How far before the request an ExportTime still counts as "now": clocks and clients differ by a little. */
const NOW_TOLERANCE_MS = 5_000;

interface ExportInput {
  TableArn: string;
  ExportTime?: number;
  ClientToken?: string;
  S3Bucket: string;
  S3BucketOwner?: string;
  S3Prefix?: string;
  S3SseAlgorithm?: string;
  S3SseKmsKeyId?: string;
  ExportFormat?: 'DYNAMODB_JSON' | 'ION';
  ExportType?: 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
  IncrementalExportSpecification?: { ExportFromTime?: number; ExportToTime?: number; ExportViewType?: string };
}

export function exportDescription(job: JobRecord): Record<string, unknown> {
  const r = publicRequest(job);
  return compact({
    ExportArn: job.arn,
    ExportStatus: job.status,
    StartTime: seconds(job.startTime),
    EndTime: seconds(job.endTime),
    ExportManifest: job.progress.ExportManifest,
    TableArn: r.TableArn,
    TableId: r.TableId,
    ExportTime: seconds(r.ExportTime as number),
    ClientToken: job.clientToken,
    S3Bucket: r.S3Bucket,
    S3BucketOwner: r.S3BucketOwner,
    S3Prefix: r.S3Prefix,
    S3SseAlgorithm: r.S3SseAlgorithm,
    S3SseKmsKeyId: r.S3SseKmsKeyId,
    FailureCode: job.failureCode,
    FailureMessage: job.failureMessage,
    ExportFormat: r.ExportFormat,
    BilledSizeBytes: job.progress.BilledSizeBytes,
    ItemCount: job.progress.ItemCount,
    ExportType: r.ExportType,
    IncrementalExportSpecification:
      r.IncrementalExportSpecification === undefined
        ? undefined
        : (() => {
            const spec = r.IncrementalExportSpecification as { ExportFromTime: number; ExportToTime: number; ExportViewType: string };
            return { ExportFromTime: seconds(spec.ExportFromTime), ExportToTime: seconds(spec.ExportToTime), ExportViewType: spec.ExportViewType };
          })(),
  });
}

export const exportTableToPointInTime = defineOperation<ExportInput>({
  name: 'ExportTableToPointInTime',
  schema: {
    members: {
      TableArn: str({ required: true, min: 1, max: 1024 }),
      ExportTime: timestamp(),
      ClientToken: str({ pattern: '^[^$]+$' }),
      S3Bucket: str({ required: true, max: 255, pattern: '^[a-z0-9A-Z]+[\\.\\-\\w]*[a-z0-9A-Z]+$' }),
      S3BucketOwner: str({ pattern: '[0-9]{12}' }),
      S3Prefix: str({ max: 1024 }),
      S3SseAlgorithm: str({ enum: ['AES256', 'KMS'] }),
      S3SseKmsKeyId: str({ min: 1, max: 2048 }),
      ExportFormat: str({ enum: ['DYNAMODB_JSON', 'ION'] }),
      ExportType: str({ enum: ['FULL_EXPORT', 'INCREMENTAL_EXPORT'] }),
      IncrementalExportSpecification: struct({
        ExportFromTime: timestamp(),
        ExportToTime: timestamp(),
        ExportViewType: str({ enum: ['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'] }),
      }),
    },
  },
  async run({ db }, input) {
    const service = requireTransfer(db, 'ExportTableToPointInTime');
    const arn = parseTableArn(input.TableArn);
    if (arn === undefined || arn.rest !== '') throw errors.validation(`Invalid TableArn: ${input.TableArn}`);
    if (arn.account !== db.accountId || arn.region !== db.region) throw errors.tableNotFound(`Table not found: ${input.TableArn}`);
    const table = db.catalog.get(arn.table);
    if (table === undefined) throw errors.tableNotFound(`Table not found: ${input.TableArn}`);
    const exportType = input.ExportType ?? 'FULL_EXPORT';
    const now = db.clock.now();
    if (exportType === 'FULL_EXPORT' && input.IncrementalExportSpecification !== undefined) {
      throw errors.validation('IncrementalExportSpecification is only valid with ExportType INCREMENTAL_EXPORT');
    }
    if (!table.pointInTimeRecovery?.enabled) {
      throw errors.pointInTimeRecoveryUnavailable(`Point in time recovery is not enabled for table '${table.name}'`);
    }
    const reader = service.pointInTime;
    let exportTime: number | undefined = input.ExportTime === undefined ? now : Math.round(input.ExportTime * 1000);
    let incremental: { ExportFromTime: number; ExportToTime: number; ExportViewType: string } | undefined;
    if (exportTime > now + NOW_TOLERANCE_MS) throw errors.invalidExportTime('Export time cannot be in the future');
    if (reader !== undefined) {
      const window = reader.restorableWindow(table, now);
      if (window === undefined) throw errors.pointInTimeRecoveryUnavailable(`Point in time recovery is not enabled for table '${table.name}'`);
      const outside = 'Export time is outside the point in time recovery window of the table';
      if (exportType === 'INCREMENTAL_EXPORT') {
        const spec = input.IncrementalExportSpecification;
        if (spec?.ExportFromTime === undefined) throw errors.validation('IncrementalExportSpecification ExportFromTime is required for ExportType INCREMENTAL_EXPORT');
        if (input.ExportTime !== undefined) throw errors.validation('ExportTime is not valid with ExportType INCREMENTAL_EXPORT');
        if ((input.ExportFormat ?? 'DYNAMODB_JSON') !== 'DYNAMODB_JSON') {
          throw errors.validation('openddb writes incremental exports in DYNAMODB_JSON only, not ION');
        }
        const from = Math.round(spec.ExportFromTime * 1000);
        const to = Math.min(spec.ExportToTime === undefined ? now : Math.round(spec.ExportToTime * 1000), now);
        if (from >= to) throw errors.validation('ExportFromTime must be before ExportToTime');
        if (to - from > 24 * 60 * 60 * 1000) throw errors.validation('The incremental export period cannot exceed 24 hours');
        if (from < window.earliestMs) throw errors.invalidExportTime(outside);
        incremental = { ExportFromTime: from, ExportToTime: to, ExportViewType: spec.ExportViewType ?? 'NEW_AND_OLD_IMAGES' };
        exportTime = undefined;
      } else {
        exportTime = Math.min(exportTime, now);
        if (exportTime < window.earliestMs) throw errors.invalidExportTime(outside);
      }
    } else {
      const enabledAt = table.pointInTimeRecovery.enabledAt;
      if (enabledAt !== undefined && exportTime < enabledAt - NOW_TOLERANCE_MS) {
        throw errors.invalidExportTime('Export time is outside the point in time recovery window of the table');
      }
      if (exportType === 'INCREMENTAL_EXPORT') {
        throw errors.validation('openddb does not support ExportType INCREMENTAL_EXPORT on this server: it needs the point-in-time reader (issue 14)');
      }
      if (exportTime < now - NOW_TOLERANCE_MS) {
        throw errors.validation('openddb can export a table only as it is now on this server: an ExportTime in the past needs the point-in-time reader (issue 14)');
      }
    }
    const request = compact({
      TableArn: db.tableArn(table.name),
      TableId: table.uuid,
      S3Bucket: input.S3Bucket,
      S3BucketOwner: input.S3BucketOwner,
      S3Prefix: input.S3Prefix,
      S3SseAlgorithm: input.S3SseAlgorithm ?? 'AES256',
      S3SseKmsKeyId: input.S3SseKmsKeyId,
      ExportFormat: input.ExportFormat ?? 'DYNAMODB_JSON',
      ExportType: exportType,
      ExportTime: exportTime,
      IncrementalExportSpecification: incremental,
      __pointInTime: reader !== undefined && incremental === undefined ? true : undefined,
    });
    // The token's parameters: the request as sent (ExportTime may be left out and still be the same request).
    const { ClientToken: _token, ...parameters } = input;
    const hash = parametersHash({ ...parameters, TableArn: request.TableArn });
    if (input.ClientToken !== undefined) {
      const previous = await findByToken(db, 'export', input.ClientToken, hash);
      if (previous !== undefined) return answer(previous.job, previous.sameParameters);
    }
    const id = newJobId(now);
    const job: JobRecord = {
      kind: 'export',
      id,
      account: db.accountId,
      region: db.region,
      arn: `${request.TableArn}/export/${id}`,
      tableName: table.name,
      startTime: now,
      status: 'IN_PROGRESS',
      request: { ...request, ExportArn: `${request.TableArn}/export/${id}` },
      progress: {},
      ...(input.ClientToken !== undefined ? { clientToken: input.ClientToken } : {}),
    };
    const state: ExportState = { tableId: table.id, started: false, done: false, files: [], itemCount: 0, billedSizeBytes: 0 };
    const started = await startJob(db, job, state, hash);
    if (!started.started) return answer(started.job, started.sameParameters);
    service.supervisor.kick();
    return { ExportDescription: exportDescription(job) };
  },
});

function answer(job: JobRecord, sameParameters: boolean): { ExportDescription: Record<string, unknown> } {
  if (!sameParameters) {
    throw errors.exportConflict(
      'There was a conflict when writing to the specified S3 bucket. This can occur when the current export conflicts with a previous export request that had the same client token.',
    );
  }
  return { ExportDescription: exportDescription(job) };
}

async function findExport(db: Database, exportArn: string): Promise<JobRecord> {
  const parsed = parseJobArn(db, exportArn, 'export');
  const job = parsed === undefined ? undefined : await readJob(db, 'export', parsed.id);
  if (job === undefined || job.arn !== exportArn) throw errors.exportNotFound(`Export not found: ${exportArn}`);
  return job;
}

export const describeExport = defineOperation<{ ExportArn: string }>({
  name: 'DescribeExport',
  schema: { members: { ExportArn: str({ required: true, min: 37, max: 1024 }) } },
  async run({ db }, input) {
    requireTransfer(db, 'DescribeExport');
    return { ExportDescription: exportDescription(await findExport(db, input.ExportArn)) };
  },
});

export const listExports = defineOperation<{ TableArn?: string; MaxResults?: number; NextToken?: string }>({
  name: 'ListExports',
  schema: {
    members: {
      TableArn: str({ min: 1, max: 1024 }),
      MaxResults: int({ min: 1, max: 25 }),
      NextToken: str(),
    },
  },
  async run({ db }, input) {
    requireTransfer(db, 'ListExports');
    let jobs = await listJobs(db, 'export');
    if (input.TableArn !== undefined) jobs = jobs.filter((j) => j.request.TableArn === input.TableArn);
    const { items, next } = page(jobs, input.MaxResults ?? 25, input.NextToken);
    return compact({
      ExportSummaries: items.map((j) => ({ ExportArn: j.arn, ExportStatus: j.status, ExportType: j.request.ExportType })),
      NextToken: next,
    });
  },
});
