/**
 * @module transfer/import-job
 * The work of ImportTable: every object under the source prefix into the
 * new table the request created, through the ordinary item write path
 * (data/plan-put's checks, data/item-store's commit with index entries), so
 * an imported item is exactly what PutItem would have stored.
 *
 * The table is CREATING while the import runs and becomes ACTIVE when it
 * completes; an import that fails drops it, so a half-imported table is
 * never left ACTIVE. A bad record (unparsable, or an item PutItem would
 * refuse) is counted in ErrorCount and logged with its object, line and
 * reason — DynamoDB writes these to CloudWatch Logs; openddb's log is its
 * stderr. Progress is checkpointed after each batch (object, record index,
 * counters); a resumed import writes a batch again at most, which puts the
 * same items again.
 */
import type { Database } from '../data/database.js';
import { planPut } from '../data/plan-put.js';
import { writeActionsInOneCommit } from './batch-write.js';
import { DynamoError } from '../errors/index.js';
import type { ObjectInfo, Buckets } from './bucket.js';
import { BucketError } from './bucket.js';
import { listInputObjects, readRecords, type InputSpec } from './input.js';
import type { JobContext, JobOutcome } from './jobs.js';
import type { InputRecord } from './formats.js';
import type { ItemAction } from '../data/item-action.js';
import type { Item } from '../values/types.js';

/** Records per commit and checkpoint: a durable commit costs an fsync, so fewer, larger ones load faster. */
const BATCH = 1000;

export interface ImportState {
  readonly tableId: number;
  readonly objects?: readonly ObjectInfo[];
  readonly objectIndex: number;
  readonly recordIndex: number;
  readonly processed: number;
  readonly imported: number;
  readonly errors: number;
  readonly bytes: number;
}

export interface ItemWriteResult {
  readonly ok: number;
  /** Per failed record, why (DynamoDB's error message). */
  readonly failed: readonly { readonly record: InputRecord; readonly reason: string; readonly code: string; readonly existing?: Item }[];
}

/**
 * Writes records' items, a commit per run of distinct keys
 * (transfer/batch-write): a key that repeats starts a new commit, so the
 * later record wins, as in the file. `plan` turns a record into its write
 * (throwing a DynamoError for an item PutItem would refuse).
 */
export async function writeRecords(
  db: Database,
  records: readonly InputRecord[],
  plan: (record: Extract<InputRecord, { item: unknown }>) => ItemAction,
): Promise<ItemWriteResult> {
  let ok = 0;
  const failed: { record: InputRecord; reason: string; code: string; existing?: Item }[] = [];
  let pending: { record: InputRecord; action: ItemAction }[] = [];
  let keys = new Set<string>();
  const flush = async (): Promise<void> => {
    const failures = await writeActionsInOneCommit(
      db,
      pending.map((p) => p.action),
    );
    ok += pending.length - failures.length;
    for (const { index, error } of failures) {
      const existing = error.extra?.Item as Item | undefined;
      failed.push({ record: pending[index]!.record, reason: error.message, code: error.shortType, ...(existing !== undefined ? { existing } : {}) });
    }
    pending = [];
    keys = new Set();
  };
  for (const record of records) {
    if ('error' in record) {
      failed.push({ record, reason: record.error, code: 'ValidationError' });
      continue;
    }
    let action: ItemAction;
    try {
      action = plan(record);
    } catch (e) {
      if (!(e instanceof DynamoError)) throw e;
      failed.push({ record, reason: e.message, code: e.shortType });
      continue;
    }
    const id = JSON.stringify(action.key);
    if (keys.has(id)) await flush();
    keys.add(id);
    pending.push({ record, action });
  }
  await flush();
  return { ok, failed };
}

export async function runImport(ctx: JobContext<ImportState>, buckets: Buckets): Promise<JobOutcome | undefined> {
  const { db, job } = ctx;
  const spec = job.request.__input as InputSpec;
  let state = ctx.state;
  const progress = (s: ImportState) => ({
    ProcessedItemCount: s.processed,
    ImportedItemCount: s.imported,
    ErrorCount: s.errors,
    ProcessedSizeBytes: s.bytes,
  });
  const fail = async (code: string, message: string): Promise<JobOutcome> => {
    await dropTable(db, job.tableName, state.tableId);
    return { status: 'FAILED', failureCode: code, failureMessage: message, progress: progress(state) };
  };
  try {
    if (state.objects === undefined) {
      const objects = await listInputObjects(buckets, spec);
      if (objects.length === 0) return await fail('NoObjectsFound', `No objects were found under s3://${spec.bucket}/${spec.keyPrefix}`);
      state = { ...state, objects };
      await ctx.checkpoint(state);
    }
    const objects = state.objects!;
    while (state.objectIndex < objects.length) {
      const object = objects[state.objectIndex]!;
      const { records, bytes, error } = await readRecords(buckets, spec, object.key);
      if (error !== undefined) return await fail('InvalidInput', error);
      for (let i = state.recordIndex; i < records.length; i += BATCH) {
        if (ctx.stopping()) return undefined;
        if (db.catalog.get(job.tableName)?.id !== state.tableId) {
          return { status: 'FAILED', failureCode: 'TableNotFound', failureMessage: `Table ${job.tableName} was deleted during the import`, progress: progress(state) };
        }
        const batch = records.slice(i, i + BATCH);
        const result = await writeRecords(db, batch, (r) => planPut(db, { TableName: job.tableName, Item: r.item }));
        for (const f of result.failed) db.log(`import ${job.arn}: s3://${spec.bucket}/${object.key} line ${f.record.line}: ${f.reason}`);
        const last = i + BATCH >= records.length;
        state = {
          ...state,
          recordIndex: last ? 0 : i + BATCH,
          objectIndex: last ? state.objectIndex + 1 : state.objectIndex,
          processed: state.processed + batch.length,
          imported: state.imported + result.ok,
          errors: state.errors + result.failed.length,
          bytes: state.bytes + (last ? bytes : 0),
        };
        await ctx.checkpoint(state, progress(state));
      }
      if (records.length === 0) {
        state = { ...state, objectIndex: state.objectIndex + 1, recordIndex: 0, bytes: state.bytes + bytes };
        await ctx.checkpoint(state, progress(state));
      }
    }
  } catch (e) {
    if (e instanceof BucketError) return await fail(`S3${e.code}`, e.message);
    throw e;
  }
  // The table is complete: ACTIVE now, as DynamoDB's becomes when the import completes.
  for (;;) {
    await db.catalog.refresh();
    const table = db.catalog.get(job.tableName);
    if (table === undefined || table.id !== state.tableId) break;
    if (table.status !== 'CREATING' || (await db.catalog.replace(table, { ...table, status: 'ACTIVE' }))) break;
  }
  return { status: 'COMPLETED', progress: progress(state) };
}

async function dropTable(db: Database, name: string, tableId: number): Promise<void> {
  for (;;) {
    await db.catalog.refresh();
    const table = db.catalog.get(name);
    if (table === undefined || table.id !== tableId) return;
    if (await db.catalog.drop(table)) break;
  }
  db.eraseDroppedTables();
}
