/**
 * @module transfer/service
 * The transfer feature of one server: where its buckets are (transfer/bucket)
 * and the supervisor running its jobs (transfer/jobs). Start-up
 * (server/start-server) starts it when `--s3-endpoint` or `--export-dir` is
 * given; the operations (api/transfer) find it by their database, and answer
 * a ValidationException saying how to enable it when there is none.
 */
import type { Database } from '../data/database.js';
import { openBuckets, type BucketConfig, type Buckets } from './bucket.js';
import { runBulk } from './bulk-job.js';
import { runExport } from './export-job.js';
import { runImport } from './import-job.js';
import { JobSupervisor } from './jobs.js';
import type { PointInTimeReader } from './point-in-time.js';

export interface TransferService {
  readonly buckets: Buckets;
  readonly supervisor: JobSupervisor;
  /** Reads a table as of a past instant (issue 14); without it, exports read the live table and refuse past times. */
  readonly pointInTime?: PointInTimeReader;
}

const services = new WeakMap<Database, TransferService>();

/** Starts the transfer feature on `db` if `config` names a place; resolves it, or undefined. */
export function startTransfer(db: Database, config: BucketConfig, pointInTime?: PointInTimeReader): TransferService | undefined {
  const buckets = openBuckets(config);
  if (buckets === undefined) return undefined;
  const supervisor = new JobSupervisor(db, {
    export: (ctx) => runExport(ctx, buckets, pointInTime),
    import: (ctx) => runImport(ctx, buckets),
    bulk: (ctx) => runBulk(ctx, buckets),
  });
  const service: TransferService = { buckets, supervisor, ...(pointInTime !== undefined ? { pointInTime } : {}) };
  services.set(db.root, service);
  supervisor.start();
  return service;
}

/** The transfer feature of the server `db` belongs to (any scope's view). */
export function transferOf(db: Database): TransferService | undefined {
  return services.get(db.root);
}
