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
 * What is read comes from transfer/point-in-time: the table as of
 * ExportTime through the server's point-in-time reader, or — a server
 * without one — the live table, a page per read (an export of "now" then
 * sees each item as it was when its page was read; docs/compatibility.md);
 * an incremental export writes DynamoDB's incremental lines (Metadata,
 * Keys, NewImage, OldImage) for every item written between ExportFromTime
 * and ExportToTime (the reader's writesBetween, from the PITR change log:
 * an item changed and changed back is listed too, with equal images, and
 * one created and deleted within the period as a line with Keys alone),
 * each with the time of its last write there.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { decodeItem } from '../data/item-store.js';
import { decodeKeyValue, itemSize } from '../values/index.js';
import type { Item } from '../values/types.js';
import { BucketError, type Buckets } from './bucket.js';
import { itemIonLine, itemJsonLine } from './formats.js';
import type { JobContext, JobOutcome } from './jobs.js';
import { after, changes, liveEntries, type Change, type PointInTimeReader } from './point-in-time.js';
import type { TableRecord } from '../catalog/table-record.js';
import { extractKey } from '../data/item-keys.js';
import { DynamoError } from '../errors/index.js';

const FILE_ITEMS = 10_000;

export interface ExportState {
  readonly tableId: number;
  readonly started: boolean;
  /** Base64 of the key (after 0x10 <table id>) of the last item exported. */
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
  readonly ExportTime?: number;
  readonly ExportType: string;
  readonly S3SseAlgorithm?: string;
  readonly S3SseKmsKeyId?: string;
  readonly IncrementalExportSpecification?: { ExportFromTime: number; ExportToTime: number; ExportViewType: string };
  /** Read through the point-in-time reader (an instant), not the live table. */
  readonly __pointInTime?: boolean;
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

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** The entries (full export) or changes (incremental) the export writes, after the checkpoint's key. */
function source(ctx: JobContext<ExportState>, request: ExportRequest, reader: PointInTimeReader | undefined, table: TableRecord): AsyncIterable<Change> | undefined {
  const afterTail = ctx.state.afterKey === undefined ? undefined : Buffer.from(ctx.state.afterKey, 'base64');
  const incremental = request.IncrementalExportSpecification;
  if (incremental !== undefined) {
    if (reader === undefined) return undefined;
    const { ExportFromTime: fromMs, ExportToTime: toMs } = incremental;
    return (async function* () {
      // The period's writes from the change log: an item changed and changed back is listed too, as DynamoDB does.
      const written = reader.writesBetween === undefined ? undefined : await reader.writesBetween(ctx.db, table, fromMs, toMs);
      yield* after(changes(reader.readEntriesAsOf(ctx.db, table, fromMs), reader.readEntriesAsOf(ctx.db, table, toMs), written), afterTail);
    })();
  }
  const entries = request.__pointInTime
    ? reader === undefined
      ? undefined
      : after(reader.readEntriesAsOf(ctx.db, table, request.ExportTime!), afterTail)
    : liveEntries(ctx.db, ctx.state.tableId, afterTail);
  if (entries === undefined) return undefined;
  return (async function* () {
    for await (const e of entries) yield { keyTail: e.keyTail, newRaw: e.raw };
  })();
}

export async function runExport(ctx: JobContext<ExportState>, buckets: Buckets, reader?: PointInTimeReader): Promise<JobOutcome | undefined> {
  const { db, job } = ctx;
  const request = job.request as unknown as ExportRequest;
  const base = exportBase(request.S3Prefix, job.id);
  const ion = request.ExportFormat === 'ION';
  const incremental = request.IncrementalExportSpecification;
  let state = ctx.state;
  try {
    if (!state.started) {
      await buckets.put(request.S3Bucket, `${base}_started`, new Uint8Array());
      state = { ...state, started: true };
      await ctx.checkpoint(state);
    }
    const table = db.catalog.get(job.tableName);
    if (table === undefined || table.id !== state.tableId) {
      return { status: 'FAILED', failureCode: 'TableNotFound', failureMessage: `Table ${job.tableName} was deleted during the export` };
    }
    const entries = state.done ? undefined : source(ctx, request, reader, table);
    if (!state.done && entries === undefined) {
      return { status: 'FAILED', failureCode: 'PointInTimeReaderUnavailable', failureMessage: 'This server has no point-in-time reader to export a past time with' };
    }
    const iterator = entries?.[Symbol.asyncIterator]();
    while (!state.done) {
      if (ctx.stopping()) {
        await iterator?.return?.();
        return undefined;
      }
      if (db.catalog.get(job.tableName)?.id !== state.tableId) {
        await iterator?.return?.();
        return { status: 'FAILED', failureCode: 'TableNotFound', failureMessage: `Table ${job.tableName} was deleted during the export` };
      }
      let text = '';
      let billed = 0;
      let count = 0;
      let lastTail: Uint8Array | undefined;
      let done = false;
      while (count < FILE_ITEMS) {
        const next = await iterator!.next();
        if (next.done) {
          done = true;
          break;
        }
        const change = next.value;
        lastTail = change.keyTail;
        count++;
        if (incremental === undefined) {
          const raw = change.newRaw!;
          const item = decodeItem(raw);
          billed += itemSize(item);
          text += ion ? await itemIonLine(item) : itemJsonLine(item);
        } else {
          const oldItem = change.oldRaw === undefined ? undefined : decodeItem(change.oldRaw);
          const newItem = change.newRaw === undefined ? undefined : decodeItem(change.newRaw);
          // Neither image: created and deleted within the period (a deletion line, its key from the storage key).
          const keys = newItem ?? oldItem ? extractKey(table, (newItem ?? oldItem)!) : keyOfTail(table, change.keyTail);
          billed += itemSize(newItem ?? oldItem ?? keys);
          text += `${JSON.stringify({
            Metadata: { WriteTimestampMicros: { N: String((change.writeMs ?? incremental.ExportToTime) * 1000) } },
            Keys: keys,
            ...(newItem !== undefined ? { NewImage: newItem } : {}),
            ...(oldItem !== undefined && incremental.ExportViewType === 'NEW_AND_OLD_IMAGES' ? { OldImage: oldItem } : {}),
          })}\n`;
        }
      }
      let files = state.files;
      // DynamoDB writes a file even for an empty partition: an empty table still has one.
      if (count > 0 || files.length === 0) {
        const body = gzipSync(Buffer.from(text, 'utf8'));
        const key = `${base}data/${randomName()}.${ion ? 'ion' : 'json'}.gz`;
        const { etag } = await buckets.put(request.S3Bucket, key, body);
        const md5Checksum = createHash('md5').update(body).digest('base64');
        files = [...files, { itemCount: count, md5Checksum, etag, dataFileS3Key: key }];
      }
      state = {
        ...state,
        done,
        files,
        ...(lastTail !== undefined ? { afterKey: Buffer.from(lastTail).toString('base64') } : {}),
        itemCount: state.itemCount + count,
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
      ...(incremental === undefined
        ? { exportTime: iso(request.ExportTime) }
        : { exportFromTime: iso(incremental.ExportFromTime), exportToTime: iso(incremental.ExportToTime), outputView: incremental.ExportViewType }),
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
    if (e instanceof DynamoError) return { status: 'FAILED', failureCode: e.shortType, failureMessage: e.message };
    throw e;
  }
}

/** The key attributes of an item from its storage key after 0x10 <table id>: index id, partition hash, then the key values' encodings. */
function keyOfTail(table: TableRecord, keyTail: Uint8Array): Item {
  const { hash, range } = table.keySchema;
  const first = decodeKeyValue(keyTail, 5, table.attributeDefinitions[hash]!);
  if (range === undefined) return { [hash]: first.value };
  return { [hash]: first.value, [range]: decodeKeyValue(keyTail, first.end, table.attributeDefinitions[range]!).value };
}

async function putWithChecksum(buckets: Buckets, bucket: string, key: string, checksumKey: string, text: string): Promise<void> {
  const body = Buffer.from(text, 'utf8');
  await buckets.put(bucket, key, body);
  await buckets.put(bucket, checksumKey, Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8'));
}
