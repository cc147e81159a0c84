/**
 * @module storage/open-engine
 * Chooses and opens the storage engine for a server, from a location
 * (openStorage: a directory, `memory:`, `postgres://…`) or from
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
 * The PostgreSQL engine (storage/postgres-engine) needs no preparation
 * here: the database itself checks and migrates its schema.
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
 * - `postgres://…` or `postgresql://…` — the PostgreSQL engine on that
 *   database (libpq's URL form; PG* environment variables fill in what it
 *   leaves out); `?schema=NAME` chooses the schema, default `openddb`;
 * - any other `scheme:` — an error naming the schemes there are;
 * - anything else — a data directory for the LMDB engine (relative to the
 *   working directory; `file:` URLs are taken too).
 * A directory whose name looks like a scheme (`ab:c`) can be given as `./ab:c`.
 */
export interface StorageOptions {
  /** Connections in a networked engine's pool (PostgreSQL). */
  readonly poolSize?: number;
}

export async function openStorage(location: string, options: StorageOptions = {}): Promise<StorageEngine> {
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
      return openPostgres(location, options);
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

async function openPostgres(location: string, options: StorageOptions): Promise<StorageEngine> {
  let url: URL;
  try {
    url = new URL(location);
  } catch (error) {
    throw new Error(`storage location ${redact(location)} is not a valid postgres:// URL: ${describe(error)}`, { cause: error });
  }
  // schema is ours, not libpq's: take it out before the driver parses the rest.
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  const { PostgresEngine } = await import('./postgres-engine.js');
  try {
    return await PostgresEngine.open({
      connectionString: url.toString(),
      ...(schema === undefined ? {} : { schema }),
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    });
  } catch (error) {
    throw new Error(`cannot open the PostgreSQL database at ${redact(location)}: ${describe(error)}`, { cause: error });
  }
}

/** A location fit for messages and logs: never the password. */
function redact(location: string): string {
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return location.replace(/:[^:@/]*@/, ':***@');
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
