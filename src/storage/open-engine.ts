/**
 * @module storage/open-engine
 * Chooses and opens the storage engine for a server, from a location
 * (openStorage: a directory, `memory:`, later `postgres://…`) or from
 * options (openEngine): the in-memory engine, or the LMDB engine in a data
 * directory that this module prepares and checks. Every failure a user can
 * cause (a directory that cannot be created or written, one written by an
 * incompatible openddb, an engine that does not exist) is an Error whose
 * message says what to do; the CLI prints it as is.
 *
 * Several processes may open one data directory at once (LMDB's locks are
 * cross-process; see lmdb-engine.ts, "Shared use").
 *
 * The data directory holds FORMAT_FILE, written before anything else, then
 * LMDB's data.mdb and lock.mdb. The format file lets a future openddb (or
 * a different backend) recognise the directory before opening any database
 * file, and refuse with a message instead of misreading bytes.
 *
 * Backends to come. A PostgreSQL-family engine fits the same interface:
 * - one table kv(key bytea primary key, value bytea): bytea compares by
 *   memcmp, our order. A btree entry holds at most ~2700 bytes, so keys go
 *   through the same LongKeyCodec (constructed with that limit); it is
 *   backend-neutral for this reason.
 * - get, getMany (`key = ANY($1)`) and range (`key >= $1 AND key < $2
 *   ORDER BY key [DESC] LIMIT n`) are each one statement, hence one
 *   snapshot even under READ COMMITTED.
 * - commit is one transaction that takes `pg_advisory_xact_lock` on a hash
 *   of every expectation and write key, in sorted order (no deadlocks), then
 *   checks the expectations and writes. Locks live in the server, not in a
 *   process, so many openddb processes stay correct; absent-key
 *   expectations need these locks because there is no row to lock.
 *   (SERIALIZABLE with retry on 40001 is the alternative.)
 * - durability is synchronous_commit = on; PostgreSQL's WAL flush already
 *   groups concurrent commits.
 * - capabilities.sharedAcrossProcesses = true, which tells upper layers
 *   that their caches (the catalog) can be stale and must be revalidated.
 * - sequence numbers (CommitOptions.sequence): the counter row read with
 *   SELECT … FOR UPDATE inside the commit's transaction, so they follow
 *   commit order as they do under LMDB's single writer.
 * openStorage then takes the `postgres://…` location, and the same
 * contract suite runs in CI.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open as openFile, rename } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StorageEngine } from './engine.js';

export interface OpenEngineOptions {
  /** Directory of the durable engine (created if missing). Required unless inMemory. */
  readonly dataDir?: string;
  /** Keep everything in memory: fast, nothing survives the process. */
  readonly inMemory?: boolean;
}

/** Names the directory's storage format; bump VERSION on any incompatible change. */
export const FORMAT_FILE = 'openddb-format.json';
export const FORMAT_NAME = 'openddb-lmdb';
export const FORMAT_VERSION = 1;

interface FormatRecord {
  readonly format: string;
  readonly version: number;
}

/** The location of the in-memory engine. */
export const MEMORY_LOCATION = 'memory:';

/**
 * Opens the engine a location names:
 * - `memory:` — the in-memory engine;
 * - `postgres://…` or `postgresql://…` — the PostgreSQL engine, which does
 *   not exist yet (issue 12): a clear error;
 * - any other `scheme:` — an error naming the schemes there are;
 * - anything else — a data directory for the LMDB engine (relative to the
 *   working directory; `file:` URLs are taken too).
 * A directory whose name looks like a scheme (`ab:c`) can be given as `./ab:c`.
 */
export async function openStorage(location: string): Promise<StorageEngine> {
  if (typeof location !== 'string' || location === '') {
    throw new Error('no storage location given: pass a data directory, memory:, or a postgres:// URL');
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return openEngine({ dataDir: location });
  switch (scheme) {
    case 'memory':
      if (location.length > MEMORY_LOCATION.length) {
        throw new Error(`storage location ${location}: the in-memory engine takes no path; write memory:`);
      }
      return openEngine({ inMemory: true });
    case 'file': {
      let dir: string;
      try {
        dir = fileURLToPath(location);
      } catch (error) {
        throw new Error(`storage location ${location} is not a valid file: URL: ${describe(error)}`, { cause: error });
      }
      return openEngine({ dataDir: dir });
    }
    case 'postgres':
    case 'postgresql':
      throw new Error(
        'the PostgreSQL storage engine is not available yet (issue 12); use a data directory or memory:',
      );
    default:
      throw new Error(
        `unknown storage location scheme "${scheme}:" in ${location}; use a data directory, memory:, or postgres://`,
      );
  }
}

/**
 * Each engine's module is imported only when it is chosen: lmdb's code and
 * native addon take ~5–10 ms and several MB to load, which an in-memory
 * server never needs. (The bundled bin keeps this: scripts/build.mjs.)
 */
export async function openEngine(options: OpenEngineOptions): Promise<StorageEngine> {
  if (options.inMemory) {
    const { MemoryEngine } = await import('./memory-engine.js');
    return new MemoryEngine();
  }
  if (options.dataDir === undefined || options.dataDir === '') {
    throw new Error('no data directory given: pass a data directory, or choose the in-memory mode');
  }
  // Loading starts before the format file is written, so that it overlaps
  // that write's file I/O where it can.
  const loading = import('./lmdb-engine.js');
  // If preparing the directory fails, that error is the one to report.
  loading.catch(() => {});
  const dir = resolve(options.dataDir);
  prepareDirectory(dir);
  await checkOrWriteFormat(dir);
  const { LmdbEngine } = await loading;
  try {
    return await LmdbEngine.open({ path: dir });
  } catch (error) {
    throw new Error(`cannot open the database in ${dir}: ${describe(error)}`, { cause: error });
  }
}

function prepareDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new Error(`cannot create data directory ${dir}: ${describe(error)}`, { cause: error });
  }
  if (!statSync(dir).isDirectory()) {
    throw new Error(`data directory ${dir} is not a directory`);
  }
}

function readFormat(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`cannot read ${path}: ${describe(error)}`, { cause: error });
    }
    return undefined;
  }
}

async function checkOrWriteFormat(dir: string): Promise<void> {
  const path = join(dir, FORMAT_FILE);
  let text = readFormat(path);
  if (text === undefined) {
    // A fresh directory. Refuse one holding anything else: it is probably
    // not the directory the user meant, and we must not mix files into it.
    // (Another process starting on the same new directory writes the format
    // file before LMDB's files appear: if they are there, read it again.)
    const others = readdirSync(dir).filter((name) => !name.startsWith(`${FORMAT_FILE}.`));
    if (others.length > 0) text = readFormat(path);
    if (text === undefined && others.length > 0) {
      throw new Error(
        `${dir} is not an openddb data directory (it has no ${FORMAT_FILE} but contains ${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); choose an empty or new directory`,
      );
    }
  }
  if (text === undefined) {
    await writeFormat(dir, path);
    return;
  }
  let record: Partial<FormatRecord>;
  try {
    record = JSON.parse(text) as Partial<FormatRecord>;
  } catch {
    throw new Error(`${path} is not valid JSON; this is not a data directory this openddb can read`);
  }
  if (record.format !== FORMAT_NAME) {
    throw new Error(
      `data directory ${dir} holds storage format ${JSON.stringify(record.format)}; this openddb reads ${JSON.stringify(FORMAT_NAME)}`,
    );
  }
  if (record.version !== FORMAT_VERSION) {
    throw new Error(
      `data directory ${dir} was written with storage format version ${String(record.version)}; this openddb reads version ${FORMAT_VERSION}. ` +
        `Use the openddb release that wrote it, or export the data with it and import it here.`,
    );
  }
}

/** Writes the format file durably: temp file, fsync, rename, fsync the directory. */
async function writeFormat(dir: string, path: string): Promise<void> {
  const record: FormatRecord = { format: FORMAT_NAME, version: FORMAT_VERSION };
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const file = await openFile(temp, 'w');
    try {
      await file.writeFile(`${JSON.stringify(record)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    const dirHandle = await openFile(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch (error) {
    throw new Error(`data directory ${dir} is not writable: ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (check the owner and mode of the directory and its parents)';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOTDIR':
      return 'a parent path is a file, not a directory';
    case 'EEXIST':
      return 'a file of that name exists and is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
