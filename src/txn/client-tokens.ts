/**
 * @module txn/client-tokens
 * ClientRequestToken idempotency for TransactWriteItems and
 * ExecuteTransaction (API reference, TransactWriteItems ClientRequestToken):
 * a token is valid for 10 minutes after the first request that used it
 * completed; within that window a retry with the same token and the same
 * request succeeds without writing again (its ConsumedCapacity is the read
 * capacity of the items, not the write capacity), and the same token with
 * a different request fails with IdempotentParameterMismatchException.
 *
 * A token's record lives in the key space and is written in the same commit
 * as the transaction, with the expectation that no live record exists, so
 * two servers sharing one store cannot both apply a token's transaction.
 *
 *   0x01 0x01 <account> 0x00 <region> 0x00 <operation> 0x00 <token UTF-8>
 *                                                    the token's record (JSON)
 *   0x01 0x02 <expiry ms u64> <record key>           expiry index, for the sweeper
 *
 * Tokens are scoped per account and region (each region is its own
 * endpoint) and per operation: TransactWriteItems and ExecuteTransaction
 * keep separate namespaces.
 */
import { createHash } from 'node:crypto';
import type { TableScope } from '../catalog/table-scope.js';
import type { Database } from '../data/database.js';
import { concat, successor } from '../catalog/key-space.js';
import { CommitConflictError, type KvExpectation, type KvWrite } from '../storage/engine.js';

const RECORD_PREFIX = Uint8Array.of(0x01, 0x01);
const EXPIRY_PREFIX = Uint8Array.of(0x01, 0x02);

/** How long a completed token stays valid. */
export const TOKEN_LIFETIME_MS = 10 * 60 * 1000;

/** How often the sweeper runs. */
export const TOKEN_SWEEP_INTERVAL_MS = 60 * 1000;
/** The lease whose holder sweeps (data/leases): one process of those sharing the store. */
export const TOKEN_SWEEP_LEASE = 'client-token-expiry';
const SWEEP_BATCH = 256;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a replay needs: per action, its table and the size its capacity was charged on. */
export type ReplaySizes = readonly (readonly [string, number])[];

export interface TokenRecord {
  /** Digest of the request the token was first used with. */
  readonly hash: string;
  /** Epoch ms after which the token no longer binds. */
  readonly expiresAt: number;
  readonly sizes: ReplaySizes;
}

/** A token looked up at the start of a request. */
export interface TokenState {
  readonly key: Uint8Array;
  /** The stored record's bytes, for the commit's expectation (null: none, or expired). */
  readonly raw: Uint8Array | null;
  /** The live record, if the token is within its window. */
  readonly live: TokenRecord | undefined;
}

export function tokenKey(scope: TableScope, operation: string, token: string): Uint8Array {
  return concat([RECORD_PREFIX, encoder.encode(`${scope.account}\u0000${scope.region}\u0000${operation}\u0000${token}`)]);
}

/** JSON with object keys sorted, so equal requests digest equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestDigest(request: unknown): string {
  return createHash('sha256').update(canonical(request)).digest('hex');
}

export function parseRecord(raw: Uint8Array): TokenRecord {
  const json = JSON.parse(decoder.decode(raw)) as { h: string; x: number; z: [string, number][] };
  return { hash: json.h, expiresAt: json.x, sizes: json.z };
}

export async function readToken(db: Database, operation: string, token: string): Promise<TokenState> {
  const key = tokenKey(db.scope, operation, token);
  const raw = await db.engine.get(key);
  return stateOf(db, key, raw);
}

export function stateOf(db: Database, key: Uint8Array, raw: Uint8Array | undefined): TokenState {
  if (raw === undefined) return { key, raw: null, live: undefined };
  const record = parseRecord(raw);
  return { key, raw, live: record.expiresAt > db.clock.now() ? record : undefined };
}

function expiryKey(expiresAt: number, recordKey: Uint8Array): Uint8Array {
  const stamp = new Uint8Array(8);
  new DataView(stamp.buffer).setBigUint64(0, BigInt(expiresAt));
  return concat([EXPIRY_PREFIX, stamp, recordKey]);
}

/**
 * The writes that record the token as used by the request with `hash`, and
 * the expectation that the token was still free (or expired) as read.
 */
export function tokenCommit(
  db: Database,
  state: TokenState,
  hash: string,
  sizes: ReplaySizes,
): { writes: KvWrite[]; expectation: KvExpectation } {
  const expiresAt = db.clock.now() + TOKEN_LIFETIME_MS;
  const record = encoder.encode(JSON.stringify({ h: hash, x: expiresAt, z: sizes }));
  return {
    writes: [
      { key: state.key, value: record },
      { key: expiryKey(expiresAt, state.key), value: new Uint8Array(0) },
    ],
    expectation: { key: state.key, value: state.raw },
  };
}

/**
 * Deletes expired token records every `intervalMs`, in the process that
 * holds the token-expiry lease: expired records bind nothing, and without
 * this they would pile up.
 */
export function startTokenSweeper(db: Database, intervalMs = TOKEN_SWEEP_INTERVAL_MS): void {
  db.runPeriodically(
    'sweeping expired client request tokens',
    intervalMs,
    async () => {
      await sweepExpiredTokens(db);
    },
    TOKEN_SWEEP_LEASE,
  );
}

/** Deletes every token record expired by the database clock's now; resolves to how many. */
export async function sweepExpiredTokens(db: Database): Promise<number> {
  const stamp = new Uint8Array(8);
  new DataView(stamp.buffer).setBigUint64(0, BigInt(db.clock.now()));
  const end = concat([EXPIRY_PREFIX, stamp]);
  let swept = 0;
  for (;;) {
    if (db.isClosed) return swept;
    const entries = await db.engine.range(EXPIRY_PREFIX, end, { limit: SWEEP_BATCH });
    let conflicts = 0;
    for (const entry of entries) {
      const recordKey = entry.key.subarray(EXPIRY_PREFIX.length + 8);
      const expiresAt = Number(new DataView(entry.key.buffer, entry.key.byteOffset + EXPIRY_PREFIX.length).getBigUint64(0));
      const raw = await db.engine.get(recordKey);
      const writes: KvWrite[] = [{ key: entry.key, value: null }];
      const expectations: KvExpectation[] = [{ key: entry.key, value: entry.value }];
      // The record may have been reused after it expired: delete it only if
      // it is still the one this index entry stands for.
      if (raw !== undefined && parseRecord(raw).expiresAt === expiresAt) {
        writes.push({ key: recordKey, value: null });
        expectations.push({ key: recordKey, value: raw });
      }
      try {
        await db.engine.commit(writes, expectations);
        swept++;
      } catch (e) {
        if (!(e instanceof CommitConflictError)) throw e;
        // Someone else swept or reused it first; the next sweep looks again.
        conflicts++;
      }
    }
    // A batch of nothing but conflicts would be read again as it is: leave it to the next sweep.
    if (entries.length < SWEEP_BATCH || conflicts === entries.length) return swept;
  }
}

/** Every key this module writes lies in this range (for tests and tools). */
export const TOKEN_KEY_RANGE: readonly [Uint8Array, Uint8Array] = [RECORD_PREFIX, successor(EXPIRY_PREFIX)];
