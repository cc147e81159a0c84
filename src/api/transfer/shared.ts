/**
 * @module api/transfer/shared
 * What the export, import and bulk operations share: finding the transfer
 * feature (and the error when the server has no place for buckets), job ids
 * from ARNs, paging, and the DynamoDB shape of a stored job.
 */
import { errors } from '../../errors/index.js';
import type { Database } from '../../data/database.js';
import { transferOf, type TransferService } from '../../transfer/service.js';
import type { JobRecord } from '../../transfer/jobs.js';

export function requireTransfer(db: Database, operation: string): TransferService {
  const service = transferOf(db);
  if (service === undefined) {
    throw errors.validation(
      `${operation} needs a place for its S3 buckets: start openddb with --s3-endpoint URL (an S3-compatible endpoint) ` +
        'or --export-dir DIR (a local folder with one sub-folder per bucket)',
    );
  }
  return service;
}

/** Epoch seconds, as DynamoDB's JSON protocol sends timestamps. */
export function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** The members of a stored request that are DynamoDB's (internal ones start with `__`). */
export function publicRequest(job: JobRecord): Record<string, unknown> {
  return Object.fromEntries(Object.entries(job.request).filter(([k]) => !k.startsWith('__')));
}

/** Drops undefined members, so the answer carries only what is known. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * `arn:aws:dynamodb:<region>:<account>:table/<table>/<kind>/<id>` → its
 * parts, when it is one of this scope's; undefined otherwise.
 */
export function parseJobArn(db: Database, arn: string, kind: string): { table: string; id: string } | undefined {
  const m = /^arn:aws[a-zA-Z-]*:dynamodb:([^:]*):(\d{12}):table\/([a-zA-Z0-9_.-]{3,255})\/([a-z-]+)\/(.+)$/.exec(arn);
  if (m === null || m[1] !== db.region || m[2] !== db.accountId || m[4] !== kind) return undefined;
  return { table: m[3]!, id: m[5]! };
}

/** A page of `items` after the NextToken (the last id of the previous page). */
export function page<T extends { id: string }>(items: readonly T[], limit: number, nextToken: string | undefined): { items: T[]; next?: string } {
  const start = nextToken === undefined ? 0 : items.findIndex((i) => i.id > nextToken);
  const from = start < 0 ? items.length : start;
  const slice = items.slice(from, from + limit);
  const last = slice[slice.length - 1];
  return from + limit < items.length && last !== undefined ? { items: slice, next: last.id } : { items: slice };
}
