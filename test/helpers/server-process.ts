/**
 * @module test/helpers/server-process
 * Black-box tests run openddb as a real server process (the CLI, exactly as
 * a user starts it) and talk to it with the real AWS SDK v3 client.
 *
 * The whole black-box suite can run against any front end, storage and
 * worker count, chosen by environment variables (a test's own options win):
 * - OPENDDB_TEST_HTTP=fast|node: the HTTP front end (--http);
 * - OPENDDB_TEST_STORAGE=memory|disk: where a server that a test does not
 *   give a data directory keeps its data: in memory (the default), or in a
 *   fresh temporary directory, removed when the server stops;
 * - OPENDDB_TEST_WORKERS=N: --workers N; above 1 it implies disk storage
 *   (workers cannot share memory), and kill() then kills the primary and
 *   every worker at once, as a machine crash would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/helpers → dist/openddb.mjs: the bundled CLI, the file the package's `bin` names. */
export const CLI = join(here, '..', '..', 'openddb.mjs');

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly dataDir: string | undefined;
  readonly output: () => string;
  /** The worker processes' ids (with --workers above 1), read from /proc: none for a single process. */
  workerPids(): number[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (with workers: of the primary and every worker) and wait for exit. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Durable store in this directory; default: OPENDDB_TEST_STORAGE (in memory unless it says disk). */
  readonly dataDir?: string;
  /** --workers; default OPENDDB_TEST_WORKERS, else 1. */
  readonly workers?: number;
  /** extraArgs choose the storage themselves (--storage): pass neither --data nor --in-memory. */
  readonly storageInArgs?: boolean;
  readonly extraArgs?: readonly string[];
}

/** The worker count the suite runs with (OPENDDB_TEST_WORKERS), default 1. */
export function testWorkers(): number {
  const value = process.env.OPENDDB_TEST_WORKERS;
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`OPENDDB_TEST_WORKERS must be a whole number from 1, not '${value}'`);
  return n;
}

/**
 * The storage the suite runs with (OPENDDB_TEST_STORAGE): 'memory'
 * (default), 'disk', or 'postgres' — the database OPENDDB_TEST_POSTGRES
 * names (scripts/with-postgres.mjs starts one), each server in a fresh
 * schema of its own, so every server starts empty as in the other modes.
 */
export function testStorage(): 'memory' | 'disk' | 'postgres' {
  const value = process.env.OPENDDB_TEST_STORAGE;
  if (value === undefined || value === '' || value === 'memory' || value === 'memory:') return 'memory';
  if (value === 'disk') return 'disk';
  if (value === 'postgres') {
    if (process.env.OPENDDB_TEST_POSTGRES === undefined) throw new Error('OPENDDB_TEST_STORAGE=postgres needs OPENDDB_TEST_POSTGRES (a postgres:// URL)');
    return 'postgres';
  }
  throw new Error(`OPENDDB_TEST_STORAGE must be 'memory', 'disk' or 'postgres', not '${value}'`);
}

/**
 * CI runs the black-box suite four times: the default pass, then on the
 * node:http front end, with two workers, and on PostgreSQL. A test whose
 * subject none of those change (a browser clicking the console, a
 * 100,000-item load) runs in the default pass only:
 * `test(name, { skip: variantPass() }, …)`. Returns false in the default
 * pass, else the reason to skip.
 */
export function variantPass(): false | string {
  if ((process.env.OPENDDB_TEST_HTTP ?? 'fast') !== 'fast') return 'runs in the default pass only (OPENDDB_TEST_HTTP is set)';
  if (testWorkers() !== 1) return 'runs in the default pass only (OPENDDB_TEST_WORKERS is set)';
  if (testStorage() !== 'memory') return 'runs in the default pass only (OPENDDB_TEST_STORAGE is set)';
  return false;
}

let schemas = 0;

/** A postgres:// location of a fresh schema in the suite's database. */
function freshPostgresLocation(): string {
  const url = new URL(process.env.OPENDDB_TEST_POSTGRES!);
  url.searchParams.set('schema', `t_${process.pid}_${schemas++}`);
  return url.toString();
}

export async function startServerProcess(options: StartOptions = {}): Promise<ServerProcess> {
  const workers = options.workers ?? testWorkers();
  const args = [CLI, 'serve', '--port', '0'];
  let dataDir = options.dataDir;
  let ownDir: { remove(): void } | undefined;
  const onPostgres = testStorage() === 'postgres';
  if (dataDir === undefined && !options.storageInArgs && !onPostgres && (workers > 1 || testStorage() === 'disk')) {
    const dir = tempDir('openddb-test-data-');
    dataDir = dir.path;
    ownDir = dir;
  }
  if (dataDir !== undefined) args.push('--data', dataDir);
  else if (options.storageInArgs) {
    // The test names its storage itself.
  } else if (testStorage() === 'postgres') args.push('--storage', freshPostgresLocation());
  else args.push('--in-memory');
  if (workers !== 1) args.push('--workers', String(workers));
  // OPENDDB_TEST_HTTP=fast runs the whole black-box suite on the node:net
  // front end; a test's own --http (protocol.test.ts) comes later and wins.
  if (process.env.OPENDDB_TEST_HTTP !== undefined) args.push('--http', process.env.OPENDDB_TEST_HTTP);
  args.push(...(options.extraArgs ?? []));
  // With workers, the server is a process group of its own, so that kill()
  // can take every process of it down at once.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: workers > 1 });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (ownDir !== undefined) void exited.then(() => ownDir.remove());
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: with workers, the whole group goes.
      if (workers > 1) process.kill(-child.pid!, 'SIGKILL');
      else child.kill('SIGKILL');
      reject(new Error(`server did not start in time:\n${out}`));
    }, 15_000);
    const onData = () => {
      const m = /listening on (https?:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    dataDir,
    output: () => out,
    workerPids: () => childPids(child.pid!),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (workers > 1) {
        const pids = childPids(child.pid!);
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
        // The data directory may be opened again at once: the workers must be gone too.
        await Promise.all(pids.map(waitForExit));
      } else {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The children of a process (Linux: /proc/<pid>/task/<pid>/children). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((s) => s.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Whether a process runs (a zombie, dead but not yet reaped, does not count). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves once process `pid` has exited. */
export async function waitForExit(pid: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not exit within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function client(url: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

export function tempDir(prefix = 'openddb-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Asserts that `promise` rejects with a DynamoDB error of this name (and message, if given). */
export async function expectError(
  promise: Promise<unknown>,
  name: string,
  message?: string | RegExp,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (e) {
    const err = e as Error;
    if (err.name !== name) throw new Error(`expected ${name}, got ${err.name}: ${err.message}`);
    if (typeof message === 'string' && err.message !== message) {
      throw new Error(`expected message:\n  ${message}\ngot:\n  ${err.message}`);
    }
    if (message instanceof RegExp && !message.test(err.message)) {
      throw new Error(`expected message matching ${message}, got:\n  ${err.message}`);
    }
    return err;
  }
  throw new Error(`expected ${name}, but the call succeeded`);
}
