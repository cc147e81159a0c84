/**
 * @module transfer/jobs
 * Long-running export, import and bulk jobs: their records in the store,
 * ClientToken idempotency, cancellation, and the supervisor that runs each
 * unfinished job in exactly one process (docs/architecture.md, "Many
 * processes").
 *
 * - A job's record (0x00 0x30 <kind> <scope> <id>, catalog/key-space) is the
 *   DynamoDB-shaped description plus internals; its work state (0x32 …) is
 *   the checkpoint the job resumes from, present exactly while it is
 *   unfinished. Starting a job writes both, and its ClientToken record, in
 *   one commit that expects the token absent: of two requests with one
 *   token, one job starts and the other finds it.
 * - Each job runs under its own lease (`transfer/<kind>/<scope>/<id>`,
 *   data/leases). A supervisor in every process looks at the work states
 *   every second (one range read, empty when nothing is under way) and takes
 *   the lease of any job nobody runs: a new job, one whose process died, one
 *   a stopped server left. Progress is committed with the lease's renewal
 *   (`commitHolding`), so a process that lost its lease writes no more; the
 *   job continues from the last checkpoint, and every step of a job is safe
 *   to do twice.
 * - A cancellation is its own key, so a cancel request never races the
 *   running job's checkpoints; the job looks at it before each step.
 */
import { randomBytes, createHash } from 'node:crypto';
import { concat, successor, TRANSFER_JOB_PREFIX, TRANSFER_WORK_PREFIX } from '../catalog/key-space.js';
import type { TableScope } from '../catalog/table-scope.js';
import type { Database } from '../data/database.js';
import type { HeldLease } from '../data/leases.js';
import { CommitConflictError, type KvWrite } from '../storage/engine.js';

export type JobKind = 'export' | 'import' | 'bulk';
const KIND_BYTE: Record<JobKind, number> = { export: 0x45, import: 0x49, bulk: 0x42 };
const KIND_OF_BYTE = new Map<number, JobKind>(Object.entries(KIND_BYTE).map(([k, b]) => [b, k as JobKind]));

/** A job as stored: what Describe* shows (in `description`, DynamoDB's shape) and what the job needs. */
export interface JobRecord {
  readonly kind: JobKind;
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly arn: string;
  readonly tableName: string;
  /** Epoch ms. */
  readonly startTime: number;
  readonly endTime?: number;
  /** IN_PROGRESS, COMPLETED, FAILED, … in the kind's own vocabulary. */
  readonly status: string;
  /** The DynamoDB-shaped description's members that do not change as the job runs (request parameters). */
  readonly request: Readonly<Record<string, unknown>>;
  /** Counters and results the job updates. */
  readonly progress: Readonly<Record<string, unknown>>;
  readonly clientToken?: string;
  readonly failureCode?: string;
  readonly failureMessage?: string;
}

/** How long a ClientToken names its job: DynamoDB's 8 hours. */
export const CLIENT_TOKEN_MS = 8 * 60 * 60 * 1000;
const LEASE_MS = 15_000;
const SUPERVISE_INTERVAL_MS = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function scopeBytes(scope: TableScope): Uint8Array {
  return encoder.encode(`${scope.account}\u0000${scope.region}\u0000`);
}

export function jobKey(kind: JobKind, scope: TableScope, id: string): Uint8Array {
  return concat([TRANSFER_JOB_PREFIX, Uint8Array.of(KIND_BYTE[kind]), scopeBytes(scope), encoder.encode(id)]);
}

/** Every job of one kind in one scope lies in [this, successor(this)). */
export function jobScopePrefix(kind: JobKind, scope: TableScope): Uint8Array {
  return concat([TRANSFER_JOB_PREFIX, Uint8Array.of(KIND_BYTE[kind]), scopeBytes(scope)]);
}

function tokenKey(kind: JobKind, scope: TableScope, token: string): Uint8Array {
  return concat([TRANSFER_JOB_PREFIX, Uint8Array.of(0x01, KIND_BYTE[kind]), scopeBytes(scope), encoder.encode(token)]);
}

function cancelKey(kind: JobKind, scope: TableScope, id: string): Uint8Array {
  return concat([TRANSFER_JOB_PREFIX, Uint8Array.of(0x02, KIND_BYTE[kind]), scopeBytes(scope), encoder.encode(id)]);
}

function workKey(kind: JobKind, scope: TableScope, id: string): Uint8Array {
  return concat([TRANSFER_WORK_PREFIX, Uint8Array.of(KIND_BYTE[kind]), scopeBytes(scope), encoder.encode(id)]);
}

function parseWorkKey(key: Uint8Array): { kind: JobKind; scope: TableScope; id: string } | undefined {
  const kind = KIND_OF_BYTE.get(key[1]!);
  const [account, region, id] = decoder.decode(key.subarray(2)).split('\u0000');
  if (kind === undefined || account === undefined || region === undefined || id === undefined) return undefined;
  return { kind, scope: { account, region }, id };
}

function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function decode<T>(raw: Uint8Array): T {
  return JSON.parse(decoder.decode(raw)) as T;
}

/** A new job id: the start time (14 digits, so ids sort by time) and 8 random hex digits, DynamoDB's export id shape. */
export function newJobId(now: number): string {
  return `${String(now).padStart(14, '0')}-${randomBytes(4).toString('hex')}`;
}

/** A fingerprint of a request's parameters, to tell a ClientToken's replay from its reuse. */
export function parametersHash(parameters: unknown): string {
  return createHash('sha256').update(JSON.stringify(parameters)).digest('hex');
}

export async function readJob(db: Database, kind: JobKind, id: string): Promise<JobRecord | undefined> {
  const raw = await db.engine.get(jobKey(kind, db.scope, id));
  return raw === undefined ? undefined : decode<JobRecord>(raw);
}

export async function listJobs(db: Database, kind: JobKind): Promise<JobRecord[]> {
  const prefix = jobScopePrefix(kind, db.scope);
  const entries = await db.engine.range(prefix, successor(prefix));
  return entries.map((e) => decode<JobRecord>(e.value));
}

export async function isCancelRequested(db: Database, job: JobRecord): Promise<boolean> {
  return (await db.engine.get(cancelKey(job.kind, job, job.id))) !== undefined;
}

/** Records a cancellation request for a running job; resolves false if it already finished. */
export async function requestCancel(db: Database, job: JobRecord): Promise<boolean> {
  const work = workKey(job.kind, job, job.id);
  const raw = await db.engine.get(work);
  if (raw === undefined) return false;
  try {
    await db.engine.commit([{ key: cancelKey(job.kind, job, job.id), value: encode({ at: db.clock.now() }) }], [{ key: work, value: raw }]);
  } catch (e) {
    // The job checkpointed meanwhile: ask again against its new state.
    if (e instanceof CommitConflictError) return requestCancel(db, job);
    throw e;
  }
  return true;
}

export type StartResult = { readonly started: true; readonly job: JobRecord } | { readonly started: false; readonly job: JobRecord; readonly sameParameters: boolean };

/**
 * Stores a new job and its initial work state, unless its ClientToken
 * (within 8 hours) already started one: then resolves that job, and whether
 * the parameters were the same.
 */
export async function startJob(db: Database, job: JobRecord, initialState: unknown, paramsHash: string): Promise<StartResult> {
  const writes: KvWrite[] = [
    { key: jobKey(job.kind, job, job.id), value: encode(job) },
    { key: workKey(job.kind, job, job.id), value: encode(initialState) },
  ];
  if (job.clientToken === undefined) {
    await db.engine.commit(writes);
    return { started: true, job };
  }
  const tKey = tokenKey(job.kind, job, job.clientToken);
  for (;;) {
    const existing = await db.engine.get(tKey);
    if (existing !== undefined) {
      const token = decode<{ id: string; hash: string; at: number }>(existing);
      const previous = token.at + CLIENT_TOKEN_MS > db.clock.now() ? await readJob(db, job.kind, token.id) : undefined;
      if (previous !== undefined) return { started: false, job: previous, sameParameters: token.hash === paramsHash };
    }
    try {
      await db.engine.commit(
        [...writes, { key: tKey, value: encode({ id: job.id, hash: paramsHash, at: db.clock.now() }) }],
        [{ key: tKey, value: existing ?? null }],
      );
      return { started: true, job };
    } catch (e) {
      if (!(e instanceof CommitConflictError)) throw e;
    }
  }
}

/** Thrown inside a job when its lease was lost: another process runs it now. */
export class LostLeaseError extends Error {
  constructor() {
    super('the job was taken over by another process');
  }
}

/** What a running job sees: its record and state, and how to record progress. */
export interface JobContext<S> {
  /** The database in the job's own account and region. */
  readonly db: Database;
  readonly job: JobRecord;
  readonly state: S;
  /** Commits new work state and record progress together with the lease's renewal. */
  checkpoint(state: S, progress?: Readonly<Record<string, unknown>>, extra?: readonly KvWrite[]): Promise<void>;
  /** Whether the job should stop now (the server is closing); it resumes from its last checkpoint later. */
  stopping(): boolean;
  cancelRequested(): Promise<boolean>;
}

/** The outcome a job handler resolves to. */
export interface JobOutcome {
  readonly status: string;
  readonly progress?: Readonly<Record<string, unknown>>;
  readonly failureCode?: string;
  readonly failureMessage?: string;
  /** Writes to commit with the final record (e.g. a table's catalog change). */
  readonly writes?: readonly KvWrite[];
}

/** Resolves undefined when the job stopped early (server closing) and must resume later. */
export type JobHandler = (ctx: JobContext<any>) => Promise<JobOutcome | undefined>;  

/** Runs the jobs of one database (process): see the module comment. */
export class JobSupervisor {
  private readonly running = new Set<string>();
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    private readonly handlers: Readonly<Record<JobKind, JobHandler>>,
  ) {}

  start(): void {
    this.kick();
    this.db.runPeriodically('transfer job supervisor', SUPERVISE_INTERVAL_MS, () => this.tick());
  }

  /** Looks for work now (a job was just started here). */
  kick(): void {
    this.db.runInBackground('transfer job supervisor', () => this.tick());
  }

  private tick(): Promise<void> {
    this.ticking ??= this.scan().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async scan(): Promise<void> {
    if (this.db.isClosed) return;
    const entries = await this.db.engine.range(TRANSFER_WORK_PREFIX, successor(TRANSFER_WORK_PREFIX), { limit: 100 });
    for (const entry of entries) {
      const parsed = parseWorkKey(entry.key);
      if (parsed === undefined) continue;
      const name = `transfer/${parsed.kind}/${parsed.scope.account}/${parsed.scope.region}/${parsed.id}`;
      if (this.running.has(name)) continue;
      const lease = await this.db.leases.acquire(name, LEASE_MS);
      if (lease === undefined) continue;
      this.running.add(name);
      const db = this.db.inScope(parsed.scope);
      this.db.runInBackground(`${parsed.kind} job ${parsed.id}`, () =>
        this.run(db, parsed.kind, parsed.id, lease).finally(() => this.running.delete(name)),
      );
    }
  }

  private async run(db: Database, kind: JobKind, id: string, taken: HeldLease): Promise<void> {
    let lease = taken;
    const rKey = jobKey(kind, db.scope, id);
    const wKey = workKey(kind, db.scope, id);
    // Read after taking the lease: the state another owner committed last.
    const [rawJob, rawState] = await db.engine.getMany([rKey, wKey]);
    if (rawJob === undefined || rawState === undefined) {
      await db.leases.release(lease);
      return;
    }
    let job = decode<JobRecord>(rawJob);
    const hold = async (writes: KvWrite[]): Promise<void> => {
      const renewed = await db.leases.commitHolding(lease, LEASE_MS, writes, []);
      if (renewed === undefined) throw new LostLeaseError();
      lease = renewed;
    };
    const ctx: JobContext<unknown> = {
      db,
      job,
      state: decode<unknown>(rawState),
      checkpoint: async (state, progress, extra = []) => {
        if (progress !== undefined) job = { ...job, progress: { ...job.progress, ...progress } };
        await hold([...extra, { key: rKey, value: encode(job) }, { key: wKey, value: encode(state) }]);
      },
      stopping: () => db.isClosed,
      cancelRequested: () => isCancelRequested(db, job),
    };
    let outcome: JobOutcome | undefined;
    try {
      outcome = await this.handlers[kind](ctx);
    } catch (e) {
      if (e instanceof LostLeaseError) return;
      db.log(`${kind} job ${job.arn} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      outcome = { status: 'FAILED', failureCode: 'InternalError', failureMessage: e instanceof Error ? e.message : String(e) };
    }
    if (outcome === undefined) {
      // Stopping: the lease goes, the work state stays; this or another process resumes it.
      await db.leases.release(lease);
      return;
    }
    const { status, progress, failureCode, failureMessage, writes = [] } = outcome;
    const final: JobRecord = {
      ...job,
      status,
      endTime: db.clock.now(),
      progress: { ...job.progress, ...progress },
      ...(failureCode !== undefined ? { failureCode } : {}),
      ...(failureMessage !== undefined ? { failureMessage } : {}),
    };
    try {
      await hold([
        ...writes,
        { key: rKey, value: encode(final) },
        { key: wKey, value: null },
        { key: cancelKey(kind, db.scope, id), value: null },
      ]);
    } catch (e) {
      if (e instanceof LostLeaseError) return;
      throw e;
    }
    await db.leases.release(lease);
  }
}

/** The unexpired job a ClientToken started, and whether its parameters were these. */
export async function findByToken(db: Database, kind: JobKind, token: string, paramsHash: string): Promise<{ job: JobRecord; sameParameters: boolean } | undefined> {
  const raw = await db.engine.get(tokenKey(kind, db.scope, token));
  if (raw === undefined) return undefined;
  const record = decode<{ id: string; hash: string; at: number }>(raw);
  if (record.at + CLIENT_TOKEN_MS <= db.clock.now()) return undefined;
  const job = await readJob(db, kind, record.id);
  return job === undefined ? undefined : { job, sameParameters: record.hash === paramsHash };
}

/** Whether the job is still under way (its work state exists). */
export async function isUnfinished(db: Database, job: JobRecord): Promise<boolean> {
  return (await db.engine.get(workKey(job.kind, job, job.id))) !== undefined;
}
