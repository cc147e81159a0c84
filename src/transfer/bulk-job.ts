/**
 * @module transfer/bulk-job
 * The work of StartBulkPutItems: every input object's items into an
 * existing table through PutItem's own path (data/plan-put and
 * data/run-item-write: validation, conditions, index entries, stream
 * records, capacity metrics), at most MaxWriteRequestUnits write units a
 * second.
 *
 * (Items of a batch share one commit: transfer/batch-write.)
 *
 * Input records are DynamoDB JSON lines (`{"Item":{…}}`, optionally with a
 * per-item `ConditionExpression`, `ExpressionAttributeNames` and
 * `ExpressionAttributeValues`) or Ion structs (`{Item:{…}}`). A record that
 * cannot be parsed or that PutItem would refuse counts in FailedItemCount
 * and, with OutputType ERROR, goes to the output location; an item whose
 * condition is false is not a failure and, with CONDITION_CHECK_FAILURE,
 * goes there with the existing item. Output objects are JSON Lines under
 * `<S3KeyPrefix>/AWSDynamoDB/BulkOperations/<id>/<ERROR|CONDITION_CHECK_FAILURE>/part-<n>.json`,
 * one per batch that had any, and a `manifest.json` when the operation ends.
 *
 * Each batch is a checkpoint (object, record, counters, output part
 * number): a resumed operation writes a batch again at most — the same puts,
 * the same output part under the same name.
 */
import { planPut } from '../data/plan-put.js';
import type { CapacityParts } from '../data/capacity.js';
import { addCapacity, bulkPutBytes, writeCapacity } from '../data/write-capacity.js';
import type { Item } from '../values/types.js';
import { BucketError, type Buckets, type ObjectInfo } from './bucket.js';
import { listInputObjects, readRecords, type InputSpec } from './input.js';
import { writeRecords } from './import-job.js';
import type { JobContext, JobOutcome } from './jobs.js';
import type { InputRecord } from './formats.js';

/** Records per commit and checkpoint (and how often a cancellation is noticed). */
const BATCH = 1000;

export interface BulkState {
  readonly objects?: readonly ObjectInfo[];
  readonly objectIndex: number;
  readonly recordIndex: number;
  readonly processed: number;
  readonly failed: number;
  readonly conditionFailed: number;
  readonly inputBytes: number;
  readonly totalInputBytes?: number;
  readonly putBytes: number;
  /** The bytes written to the table and to each index (bulkPutBytes summed); absent in states saved before it was kept. */
  readonly usage?: CapacityParts;
  readonly part: number;
  readonly outputs: readonly { readonly type: string; readonly key: string; readonly count: number }[];
  /** Write units spent and the time writing began (this run), for the rate limit. */
  readonly units: number;
}

export interface BulkRequest {
  readonly input: InputSpec;
  readonly output: { readonly bucket?: string; readonly keyPrefix?: string; readonly types: readonly string[] };
  readonly maxWriteRequestUnits?: number;
}

const CONDITION_FAILED = 'ConditionalCheckFailedException';

export function bulkProgress(s: BulkState): Record<string, unknown> {
  return {
    ProcessedItemCount: s.processed,
    FailedItemCount: s.failed,
    ProcessedInputBytes: s.inputBytes,
    ...(s.totalInputBytes !== undefined ? { TotalInputBytes: s.totalInputBytes } : {}),
    BulkPutBytes: s.putBytes,
    ...(s.usage !== undefined ? { Usage: s.usage } : {}),
  };
}

/** The table's part plus every secondary index's (vector indexes apart): units or bytes. */
function withSecondaryIndexes(parts: CapacityParts): number {
  let n = parts.table;
  for (const m of [parts.localIndexes, parts.globalIndexes]) for (const v of Object.values(m ?? {})) n += v;
  return n;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runBulk(ctx: JobContext<BulkState>, buckets: Buckets): Promise<JobOutcome | undefined> {
  const { db, job } = ctx;
  const request = job.request.__bulk as BulkRequest;
  const spec = request.input;
  const outBase = `${request.output.keyPrefix === undefined || request.output.keyPrefix === '' ? '' : `${request.output.keyPrefix.replace(/\/+$/, '')}/`}AWSDynamoDB/BulkOperations/${job.id}/`;
  const outBucket = request.output.bucket ?? spec.bucket;
  let state = ctx.state;
  const rate = request.maxWriteRequestUnits;
  const runStarted = db.clock.now();
  let unitsThisRun = 0;
  const finish = async (status: string, extra: Partial<JobOutcome> = {}): Promise<JobOutcome> => {
    const manifest = { bulkOperationArn: job.arn, status, ...bulkProgress(state), outputFiles: state.outputs };
    await buckets.put(outBucket, `${outBase}manifest.json`, Buffer.from(JSON.stringify(manifest), 'utf8')).catch(() => {});
    return { status, progress: bulkProgress(state), ...extra };
  };
  try {
    if (state.objects === undefined) {
      const objects = await listInputObjects(buckets, spec);
      if (objects.length === 0) {
        return { status: 'FAILED', failureCode: 'NoInputObjects', failureMessage: `No objects were found under s3://${spec.bucket}/${spec.keyPrefix}`, progress: bulkProgress(state) };
      }
      state = { ...state, objects, totalInputBytes: objects.reduce((n, o) => n + o.size, 0) };
      await ctx.checkpoint(state, bulkProgress(state));
    }
    const objects = state.objects!;
    while (state.objectIndex < objects.length) {
      const object = objects[state.objectIndex]!;
      const { records, bytes, error } = await readRecords(buckets, spec, object.key);
      // An object that cannot be read at all counts as one failed record.
      const all: InputRecord[] = error !== undefined ? [{ line: 0, error, text: object.key }] : records;
      if (all.length === 0) {
        state = { ...state, objectIndex: state.objectIndex + 1, recordIndex: 0, inputBytes: state.inputBytes + bytes };
        await ctx.checkpoint(state, bulkProgress(state));
        continue;
      }
      for (let i = state.recordIndex; i < all.length; i += BATCH) {
        if (ctx.stopping()) return undefined;
        if (await ctx.cancelRequested()) {
          return await finish('CANCELLED', { failureCode: 'CancelledByUser', failureMessage: 'The bulk operation was cancelled by a CancelBulkOperation request' });
        }
        const table = db.catalog.get(job.tableName);
        if (table === undefined || table.uuid !== job.request.__tableUuid) {
          return await finish('FAILED', { failureCode: 'ResourceNotFound', failureMessage: `Table ${job.tableName} was deleted during the bulk operation` });
        }
        const batch = all.slice(i, i + BATCH);
        let usage: CapacityParts = { table: 0 };
        let units = 0;
        const conditionOut: string[] = [];
        const result = await writeRecords(db, batch, (r) => {
          const extra = (r.extra ?? {}) as Record<string, unknown>;
          return planPut(db, {
            TableName: job.tableName,
            Item: r.item,
            ...(typeof extra.ConditionExpression === 'string' ? { ConditionExpression: extra.ConditionExpression } : {}),
            ...(extra.ExpressionAttributeNames !== undefined ? { ExpressionAttributeNames: extra.ExpressionAttributeNames as Record<string, string> } : {}),
            ...(extra.ExpressionAttributeValues !== undefined ? { ExpressionAttributeValues: extra.ExpressionAttributeValues as Item } : {}),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          } as Parameters<typeof planPut>[1]);
        });
        // A put's write units include its index entries' (as ReturnConsumedCapacity counts a new item's).
        for (const r of batch) {
          if (!('item' in r)) continue;
          const parts = writeCapacity(table, undefined, r.item);
          units += withSecondaryIndexes(parts);
        }
        const errorsOut: string[] = [];
        let failed = 0;
        let conditionFailed = 0;
        const failedLines = new Set<InputRecord>();
        for (const f of result.failed) {
          failedLines.add(f.record);
          if (f.code === CONDITION_FAILED) {
            conditionFailed++;
            if (request.output.types.includes('CONDITION_CHECK_FAILURE')) {
              const existing = f.existing;
              conditionOut.push(JSON.stringify({ InputObject: object.key, Line: f.record.line, ...('item' in f.record ? { Item: f.record.item } : {}), ...(existing !== undefined ? { ExistingItem: existing } : {}) }));
            }
          } else {
            failed++;
            if (request.output.types.includes('ERROR')) {
              errorsOut.push(JSON.stringify({ InputObject: object.key, Line: f.record.line, ErrorCode: f.code, ErrorMessage: f.reason, ...('item' in f.record ? { Item: f.record.item } : { Record: f.record.text }) }));
            }
          }
        }
        for (const r of batch) if ('item' in r && !failedLines.has(r)) usage = addCapacity(usage, bulkPutBytes(table, r.item));
        // BulkPutBytes counts the table and its secondary indexes, not vector bytes (the API reference).
        const putBytes = withSecondaryIndexes(usage);
        let part = state.part;
        const outputs = [...state.outputs];
        for (const [type, lines] of [['ERROR', errorsOut], ['CONDITION_CHECK_FAILURE', conditionOut]] as const) {
          if (lines.length === 0) continue;
          part++;
          const key = `${outBase}${type}/part-${String(part).padStart(5, '0')}.json`;
          await buckets.put(outBucket, key, Buffer.from(lines.join('\n') + '\n', 'utf8'));
          outputs.push({ type, key, count: lines.length });
        }
        const last = i + BATCH >= all.length;
        state = {
          ...state,
          part,
          outputs,
          recordIndex: last ? 0 : i + BATCH,
          objectIndex: last ? state.objectIndex + 1 : state.objectIndex,
          processed: state.processed + batch.length,
          failed: state.failed + failed,
          conditionFailed: state.conditionFailed + conditionFailed,
          inputBytes: state.inputBytes + (last ? bytes : 0),
          putBytes: state.putBytes + putBytes,
          usage: addCapacity(state.usage ?? { table: state.putBytes }, usage),
          units: state.units + units,
        };
        await ctx.checkpoint(state, bulkProgress(state));
        // MaxWriteRequestUnits: never ahead of `rate` units a second since this run began.
        unitsThisRun += units;
        if (rate !== undefined) {
          for (;;) {
            const ahead = (unitsThisRun / rate) * 1000 - (db.clock.now() - runStarted);
            if (ahead <= 0 || ctx.stopping()) break;
            await sleep(Math.min(ahead, 250));
          }
        }
      }
    }
  } catch (e) {
    if (e instanceof BucketError) {
      return { status: 'FAILED', failureCode: `S3${e.code}`, failureMessage: e.message, progress: bulkProgress(state) };
    }
    throw e;
  }
  return await finish(state.failed > 0 ? 'COMPLETED_WITH_ERRORS' : 'COMPLETED');
}
