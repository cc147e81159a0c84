/**
 * @module storage/open-engine.test
 * openEngine's handling of data directories: creation, the format file,
 * the clear errors for unusable or incompatible directories, several
 * processes on one directory; and openStorage's locations.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LmdbEngine } from './lmdb-engine.js';
import { MemoryEngine } from './memory-engine.js';
import { FORMAT_FILE, FORMAT_NAME, FORMAT_VERSION, openEngine, openStorage } from './open-engine.js';

const root = mkdtempSync(join(tmpdir(), 'openddb-open-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `d${dirs++}`);

const openEngineUrl = new URL('./open-engine.js', import.meta.url).href;

interface Child {
  /** Resolves with the first stdout line. */
  readonly firstLine: Promise<string>;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs an ES module snippet in a child node process (optionally as another user). */
function runNode(code: string, env: Record<string, string>, uid?: number): Child {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve(stdout.slice(0, newline));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    exited.then(
      (code) => reject(new Error(`child exited (${code}) before printing a line; stderr: ${stderr}`)),
      reject,
    );
  });
  // The line may never come (the test then fails on it); never leave the
  // rejection unhandled.
  firstLine.catch(() => undefined);
  return { firstLine, exited, kill: (signal) => child.kill(signal) };
}

const isRoot = process.getuid?.() === 0;

describe('openEngine', () => {
  test('in memory: a MemoryEngine, no directory needed', async () => {
    const engine = await openEngine({ inMemory: true });
    assert.ok(engine instanceof MemoryEngine);
    assert.equal(engine.capabilities.durable, false);
    await engine.close();
  });

  test('without a data directory: a clear error', async () => {
    await assert.rejects(openEngine({}), /no data directory given/);
  });

  test('creates a missing directory, writes the format file, and reopens it with its data', async () => {
    const dir = join(freshDir(), 'nested', 'data');
    const engine = await openEngine({ dataDir: dir });
    assert.equal(engine.capabilities.durable, true);
    await engine.commit([{ key: Uint8Array.of(1), value: Uint8Array.of(42) }]);
    await engine.close();
    const format = JSON.parse(readFileSync(join(dir, FORMAT_FILE), 'utf8')) as unknown;
    assert.deepEqual(format, { format: FORMAT_NAME, version: FORMAT_VERSION });
    const again = await openEngine({ dataDir: dir });
    try {
      assert.deepEqual([...((await again.get(Uint8Array.of(1))) ?? [])], [42]);
    } finally {
      await again.close();
    }
  });

  test('an incompatible format version or name is refused', async () => {
    const dir = freshDir();
    await (await openEngine({ dataDir: dir })).close();
    writeFileSync(join(dir, FORMAT_FILE), JSON.stringify({ format: FORMAT_NAME, version: FORMAT_VERSION + 1 }));
    await assert.rejects(openEngine({ dataDir: dir }), /storage format version 2; this openddb reads version 1/);
    writeFileSync(join(dir, FORMAT_FILE), JSON.stringify({ format: 'something-else', version: 1 }));
    await assert.rejects(openEngine({ dataDir: dir }), /holds storage format "something-else"/);
    writeFileSync(join(dir, FORMAT_FILE), '{not json');
    await assert.rejects(openEngine({ dataDir: dir }), /is not valid JSON/);
  });

  test('a non-empty directory that is not ours is refused and left untouched', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await assert.rejects(openEngine({ dataDir: dir }), /is not an openddb data directory .*notes\.txt/);
    assert.throws(() => readFileSync(join(dir, FORMAT_FILE)), /ENOENT/);
  });

  test('a path under a file: cannot create', async () => {
    const file = join(freshDir());
    writeFileSync(file, 'x');
    await assert.rejects(openEngine({ dataDir: join(file, 'data') }), /cannot create data directory .*a parent path is a file/);
    await assert.rejects(openEngine({ dataDir: file }), /cannot create data directory .*not a directory/);
  });

  test('an unwritable directory: a clear error', async () => {
    const parent = freshDir();
    mkdirSync(parent);
    const existing = join(parent, 'existing');
    mkdirSync(existing);
    chmodSync(parent, 0o555);
    chmodSync(existing, 0o555);
    // mkdtemp made the test root 0700; others must be able to reach `parent`.
    chmodSync(root, 0o711);
    try {
      // Root ignores file modes, so as root the attempt runs as `nobody`.
      const attempt = async (dataDir: string): Promise<string> => {
        const child = runNode(
          `import { openEngine } from ${JSON.stringify(openEngineUrl)};
           try { await openEngine({ dataDir: process.env.DATA_DIR }); console.log('opened'); }
           catch (error) { console.log(error.message); }`,
          { DATA_DIR: dataDir },
          isRoot ? 65534 : undefined,
        );
        const line = await child.firstLine;
        await child.exited;
        return line;
      };
      assert.match(await attempt(join(parent, 'new')), /cannot create data directory .*permission denied/);
      assert.match(await attempt(existing), /data directory .*existing is not writable: permission denied/);
    } finally {
      chmodSync(root, 0o700);
      chmodSync(parent, 0o755);
      chmodSync(existing, 0o755);
    }
  });

  test('several processes use one directory at once, and a killed one blocks nobody', async () => {
    const dir = freshDir();
    const holder = runNode(
      `import { openEngine } from ${JSON.stringify(openEngineUrl)};
       const engine = await openEngine({ dataDir: process.env.DATA_DIR });
       await engine.commit([{ key: Uint8Array.of(7), value: Uint8Array.of(7) }]);
       console.log('ready');
       setInterval(() => {}, 1000);`,
      { DATA_DIR: dir },
    );
    try {
      assert.equal(await holder.firstLine, 'ready');
      const engine = await openEngine({ dataDir: dir });
      try {
        assert.equal(engine.capabilities.sharedAcrossProcesses, true);
        assert.deepEqual([...((await engine.get(Uint8Array.of(7))) ?? [])], [7]);
        await engine.commit([{ key: Uint8Array.of(8), value: Uint8Array.of(8) }], [{ key: Uint8Array.of(7), value: Uint8Array.of(7) }]);
      } finally {
        await engine.close();
      }
    } finally {
      holder.kill('SIGKILL');
      await holder.exited;
    }
    const engine = await openEngine({ dataDir: dir });
    try {
      assert.deepEqual([...((await engine.get(Uint8Array.of(8))) ?? [])], [8]);
      await engine.commit([{ key: Uint8Array.of(9), value: Uint8Array.of(9) }]);
    } finally {
      await engine.close();
    }
  });

  test('a directory whose name has a dot (or looks like a file name) is a directory', async () => {
    for (const name of ['my.db', 'tmp.Xy3AbC', 'data.mdb', '.hidden']) {
      const dir = join(freshDir(), name);
      const engine = await openEngine({ dataDir: dir });
      try {
        await engine.commit([{ key: Uint8Array.of(1), value: Uint8Array.of(2) }]);
      } finally {
        await engine.close();
      }
      assert.ok(statSync(dir).isDirectory());
      assert.ok(statSync(join(dir, 'data.mdb')).isFile(), `${name}: no data.mdb inside`);
      const again = await openEngine({ dataDir: dir });
      try {
        assert.deepEqual([...((await again.get(Uint8Array.of(1))) ?? [])], [2]);
      } finally {
        await again.close();
      }
    }
  });
});

describe('openStorage', () => {
  test('memory: is the in-memory engine', async () => {
    const engine = await openStorage('memory:');
    try {
      assert.ok(engine instanceof MemoryEngine);
      assert.equal(engine.capabilities.sharedAcrossProcesses, false);
    } finally {
      await engine.close();
    }
    await assert.rejects(openStorage('memory:/x'), /in-memory engine takes no path; write memory:/);
  });

  test('a directory path, or a file: URL, is an LMDB data directory', async () => {
    const dir = join(freshDir(), 'with.dot');
    const engine = await openStorage(dir);
    try {
      assert.ok(engine instanceof LmdbEngine);
      assert.equal(engine.capabilities.durable, true);
      await engine.commit([{ key: Uint8Array.of(5), value: Uint8Array.of(6) }]);
    } finally {
      await engine.close();
    }
    assert.deepEqual(JSON.parse(readFileSync(join(dir, FORMAT_FILE), 'utf8')), { format: FORMAT_NAME, version: FORMAT_VERSION });
    const byUrl = await openStorage(pathToFileURL(dir).href);
    try {
      assert.deepEqual([...((await byUrl.get(Uint8Array.of(5))) ?? [])], [6]);
    } finally {
      await byUrl.close();
    }
  });

  test('a postgres:// database that cannot be reached names itself without its password; unknown schemes and empty locations are refused', async () => {
    // Nothing listens on port 1: the error names the database, never the password.
    await assert.rejects(openStorage('postgres://user:secret@127.0.0.1:1/db'), (e: Error) => {
      assert.match(e.message, /cannot open the PostgreSQL database at postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/db/);
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
    await assert.rejects(openStorage('postgresql://127.0.0.1:1/db?schema=x'), /cannot open the PostgreSQL database/);
    await assert.rejects(openStorage('redis://localhost'), /unknown storage location scheme "redis:"/);
    await assert.rejects(openStorage(''), /no storage location given/);
  });
});
