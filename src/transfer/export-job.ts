/**
 * @module transfer/export-job
 * The work of ExportTableToPointInTime: the table's items into the bucket in
 * DynamoDB's layout (developer guide, "DynamoDB table export output format"):
 *
 *   <S3Prefix>/AWSDynamoDB/<ExportId>/_started
 *   <S3Prefix>/AWSDynamoDB/<ExportId>/data/<random>.json.gz    (or .ion.gz)
 *   <S3Prefix>/AWSDynamoDB/<ExportId>/manifest-files.json      one line per data file
 *   <S3Prefix>/AWSDynamoDB/<ExportId>/manifest-summary.json
 *   and a .checksum (MD5, hex) beside each manifest.
 *
 * Items are read in key order, a data file of up to FILE_ITEMS items at a
 * time; each file is a checkpoint (the last key it holds and the files so
 * far), so a job resumed after a crash goes on from the last whole file.
 * A file written but not checkpointed before a crash is left unreferenced in
 * the bucket, as DynamoDB may leave objects of a failed export.
 *
 * Reads are the live table, a page per file: an export of "now" sees each
 * item as it was when its page was read (docs/compatibility.md). Exports of
 * a past time and incremental exports need the point-in-time reader
 * (issue 14) and are refused at the request until it exists.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { indexPrefix, successor, concat } from '../catalog/key-space.js';
import { decodeItem } from '../data/item-store.js';
import { itemSize } from '../values/index.js';
import { BucketError, type Buckets } from './bucket.js';
import { itemIonLine, itemJsonLine } from './formats.js';
import type { JobContext, JobOutcome } from './jobs.js';

const FILE_ITEMS = 10_000;

export interface ExportState {
  readonly tableId: number;
  readonly started: boolean;
  /** Base64 of the last storage key exported. */
  readonly afterKey?: string;
  readonly done: boolean;
  readonly files: readonly { itemCount: number; md5Checksum: string; etag: string; dataFileS3Key: string }[];
  readonly itemCount: number;
  readonly billedSizeBytes: number;
}

export interface ExportRequest {
  readonly S3Bucket: string;
  readonly S3Prefix?: string;
  readonly ExportFormat: 'DYNAMODB_JSON' | 'ION';
  readonly TableArn: string;
  readonly TableId: string;
  readonly ExportArn: string;
  readonly ExportTime: number;
  readonly ExportType: string;
  readonly S3SseAlgorithm?: string;
  readonly S3SseKmsKeyId?: string;
}

/** The key prefix of one export: `<S3Prefix>/AWSDynamoDB/<ExportId>/`. */
export function exportBase(prefix: string | undefined, exportId: string): string {
  const p = prefix === undefined || prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`;
  return `${p}AWSDynamoDB/${exportId}/`;
}

function randomName(): string {
  // DynamoDB's data file names: 26 characters of lower-case base32.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...randomBytes(26)].map((b) => alphabet[b & 31]).join('');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export async function runExport(ctx: JobContext<ExportState>, buckets: Buckets): Promise<JobOutcome | undefined> {
  const { db, job } = ctx;
  const request = job.request as unknown as ExportRequest;
  const base = exportBase(request.S3Prefix, job.id);
  const ion = request.ExportFormat === 'ION';
  let state = ctx.state;
  try {
    if (!state.started) {
      await buckets.put(request.S3Bucket, `${base}_started`, new Uint8Array());
      state = { ...state, started: true };
      await ctx.checkpoint(state);
    }
    const prefix = indexPrefix(state.tableId, 0);
    const end = successor(prefix);
    while (!state.done) {
      if (ctx.stopping()) return undefined;
      const table = db.catalog.get(job.tableName);
      if (table === undefined || table.id !== state.tableId) {
        return { status: 'FAILED', failureCode: 'TableNotFound', failureMessage: `Table ${job.tableName} was deleted during the export` };
      }
      const start = state.afterKey === undefined ? prefix : concat([Buffer.from(state.afterKey, 'base64'), Uint8Array.of(0)]);
      const entries = await db.engine.range(start, end, { limit: FILE_ITEMS });
      let text = '';
      let billed = 0;
      for (const entry of entries) {
        const item = decodeItem(entry.value);
        billed += itemSize(item);
        text += ion ? await itemIonLine(item) : itemJsonLine(item);
      }
      const last = entries[entries.length - 1];
      const done = entries.length < FILE_ITEMS;
      let files = state.files;
      // DynamoDB writes a file even for an empty partition: an empty table still has one.
      if (entries.length > 0 || files.length === 0) {
        const body = gzipSync(Buffer.from(text, 'utf8'));
        const key = `${base}data/${randomName()}.${ion ? 'ion' : 'json'}.gz`;
        const { etag } = await buckets.put(request.S3Bucket, key, body);
        const md5Checksum = createHash('md5').update(body).digest('base64');
        files = [...files, { itemCount: entries.length, md5Checksum, etag, dataFileS3Key: key }];
      }
      state = {
        ...state,
        done,
        files,
        ...(last !== undefined ? { afterKey: Buffer.from(last.key).toString('base64') } : {}),
        itemCount: state.itemCount + entries.length,
        billedSizeBytes: state.billedSizeBytes + billed,
      };
      await ctx.checkpoint(state, { ItemCount: state.itemCount, BilledSizeBytes: state.billedSizeBytes });
    }
    const endTime = db.clock.now();
    const manifestFiles = state.files.map((f) => JSON.stringify(f)).join('\n') + '\n';
    await putWithChecksum(buckets, request.S3Bucket, `${base}manifest-files.json`, `${base}manifest-files.checksum`, manifestFiles);
    const summary = {
      version: '2020-06-30',
      exportArn: request.ExportArn,
      startTime: iso(job.startTime),
      endTime: iso(endTime),
      tableArn: request.TableArn,
      tableId: request.TableId,
      exportTime: iso(request.ExportTime),
      s3Bucket: request.S3Bucket,
      s3Prefix: request.S3Prefix ?? null,
      s3SseAlgorithm: request.S3SseAlgorithm ?? 'AES256',
      s3SseKmsKeyId: request.S3SseKmsKeyId ?? null,
      manifestFilesS3Key: `${base}manifest-files.json`,
      billedSizeBytes: state.billedSizeBytes,
      itemCount: state.itemCount,
      outputFormat: request.ExportFormat,
      exportType: request.ExportType,
    };
    await putWithChecksum(buckets, request.S3Bucket, `${base}manifest-summary.json`, `${base}manifest-summary.checksum`, JSON.stringify(summary));
    return {
      status: 'COMPLETED',
      progress: { ItemCount: state.itemCount, BilledSizeBytes: state.billedSizeBytes, ExportManifest: `${base}manifest-summary.json` },
    };
  } catch (e) {
    if (e instanceof BucketError) return { status: 'FAILED', failureCode: `S3${e.code}`, failureMessage: e.message };
    throw e;
  }
}

async function putWithChecksum(buckets: Buckets, bucket: string, key: string, checksumKey: string, text: string): Promise<void> {
  const body = Buffer.from(text, 'utf8');
  await buckets.put(bucket, key, body);
  await buckets.put(bucket, checksumKey, Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8'));
}
