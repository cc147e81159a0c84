/**
 * @module The servers under test: how each is started on a free loopback
 * port, when it counts as ready (a ListTables request answers 200), and how
 * it is stopped. Every child is tracked and killed when the bench exits.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { call, describeError } from './protocol.mjs';
import { prepareDynamoDbLocal, dynamoDbLocalCommand } from './dynamodb-local.mjs';
import { processTree, startTime } from './proc.mjs';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_DIR = path.resolve(BENCH_DIR, '..');
// The bundled CLI, as users run it (npm run build makes it).
const OPENDDB_CLI = path.join(REPO_DIR, 'dist/openddb.mjs');
const DYNALITE_CLI = path.join(REPO_DIR, 'node_modules/dynalite/cli.js');

/** The moto_server script itself, past any pyenv shim, so the pid we hold is Python's. */
function findMoto() {
  let onPath;
  try {
    onPath = execFileSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
  if (!onPath) return null;
  if (onPath.includes('/shims/')) {
    try {
      const real = execFileSync('pyenv', ['which', 'moto_server'], { encoding: 'utf8' }).trim();
      if (real && existsSync(real)) return real;
    } catch {
      // No pyenv on PATH: the shim still execs Python in the same pid.
    }
  }
  return onPath;
}

/**
 * Each server: `unavailable()` says why it cannot run here (or null),
 * `command(port, dataDir)` gives what to spawn, `durable` whether it needs a
 * data directory, and `transactions` whether it implements TransactWriteItems.
 * `jvm` marks a server whose JIT needs a longer warm-up (run.mjs);
 * `workers` the number of child processes it forks, waited for at start.
 * `openddb-disk-w<N>` (openddb with `serve --workers N`) is defined on
 * demand by `defineServer`.
 */
export const SERVERS = {
  'openddb-disk': {
    label: 'openddb (durable, embedded store)',
    durable: true,
    transactions: true,
    unavailable: () => (existsSync(OPENDDB_CLI) ? null : 'dist/openddb.mjs not found (npm run build)'),
    command: (port, dataDir) => [process.execPath, [OPENDDB_CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir]],
  },
  'openddb-mem': {
    label: 'openddb (in-memory)',
    durable: false,
    transactions: true,
    unavailable: () => (existsSync(OPENDDB_CLI) ? null : 'dist/openddb.mjs not found (npm run build)'),
    command: (port) => [process.execPath, [OPENDDB_CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--in-memory']],
  },
  // openddb-disk with every request's SigV4 signature verified and its
  // policy evaluated (`--auth`, issue 13): bench/protocol.mjs signs with the
  // key pair bench/auth.json names, so the difference is verification's cost.
  'openddb-disk-auth': {
    label: 'openddb (durable, embedded store; --auth)',
    durable: true,
    transactions: true,
    unavailable: () => (existsSync(OPENDDB_CLI) ? null : 'dist/openddb.mjs not found (npm run build)'),
    command: (port, dataDir) => [
      process.execPath,
      [OPENDDB_CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, '--auth', new URL('./auth.json', import.meta.url).pathname],
    ],
  },
  // The same servers on the node:http front end (--http node), to compare
  // with the default node:net one (src/server/fast-http) in one run.
  'openddb-disk-nodehttp': {
    label: 'openddb (durable, embedded store; --http node)',
    durable: true,
    transactions: true,
    unavailable: () => (existsSync(OPENDDB_CLI) ? null : 'dist/openddb.mjs not found (npm run build)'),
    command: (port, dataDir) => [
      process.execPath,
      [OPENDDB_CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, '--http', 'node'],
    ],
  },
  'openddb-mem-nodehttp': {
    label: 'openddb (in-memory; --http node)',
    durable: false,
    transactions: true,
    unavailable: () => (existsSync(OPENDDB_CLI) ? null : 'dist/openddb.mjs not found (npm run build)'),
    command: (port) => [process.execPath, [OPENDDB_CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--in-memory', '--http', 'node']],
  },
  'dynalite-mem': {
    label: 'dynalite 4 (in-memory)',
    durable: false,
    transactions: false,
    unavailable: () => (existsSync(DYNALITE_CLI) ? null : 'node_modules/dynalite missing (npm install)'),
    command: (port) => [process.execPath, [DYNALITE_CLI, '--host', '127.0.0.1', '--port', String(port), ...DYNALITE_FAST_TABLES]],
  },
  'dynalite-disk': {
    label: 'dynalite 4 (--path, LevelDB on disk)',
    durable: true,
    transactions: false,
    unavailable: () => (existsSync(DYNALITE_CLI) ? null : 'node_modules/dynalite missing (npm install)'),
    command: (port, dataDir) => [
      process.execPath,
      [DYNALITE_CLI, '--host', '127.0.0.1', '--port', String(port), '--path', dataDir, ...DYNALITE_FAST_TABLES],
    ],
  },
  // AWS's own emulator, on the machine's Java (bench/dynamodb-local.mjs installs it on first use).
  'dynamodb-local-mem': {
    label: 'AWS DynamoDB Local (Java, -inMemory)',
    durable: false,
    transactions: true,
    jvm: true,
    unavailable: () => prepareDynamoDbLocal().error ?? null,
    command: (port) => dynamoDbLocalCommand(port),
  },
  'dynamodb-local-disk': {
    label: 'AWS DynamoDB Local (Java, -dbPath: SQLite on disk)',
    durable: true,
    transactions: true,
    jvm: true,
    unavailable: () => prepareDynamoDbLocal().error ?? null,
    command: (port, dataDir) => dynamoDbLocalCommand(port, dataDir),
  },
  moto: {
    label: 'moto_server (Python)',
    durable: false,
    // moto implements transactions, but the issue compares them on openddb only.
    transactions: false,
    unavailable: () => (findMoto() ? null : 'moto_server not on PATH'),
    command: (port) => [findMoto(), ['-H', '127.0.0.1', '-p', String(port)]],
  },
  // openddb over PostgreSQL (issue 12): the bench starts a throw-away
  // cluster on first use (test/helpers/postgres-cluster, from dist/, as
  // scripts/with-postgres.mjs does); each start gets a schema named after
  // its data directory, so a restart on the same directory sees its data.
  // The cluster's CPU (postmaster and backends) counts as the server's.
  'openddb-postgres': postgresServer(1),
  'openddb-postgres-w2': postgresServer(2),
  ceiling: {
    label: 'ceiling: bare node:http + JSON',
    durable: false,
    transactions: true,
    unavailable: () => null,
    command: (port) => [process.execPath, [path.join(BENCH_DIR, 'ceiling-server.mjs'), '--host', '127.0.0.1', '--port', String(port)]],
  },
};
export const SERVER_NAMES = Object.keys(SERVERS);

/** The bench's PostgreSQL cluster: started by the first openddb-postgres server, stopped when the bench exits. */
let postgres;

async function postgresCluster() {
  if (postgres === undefined) {
    const { startPostgresCluster } = await import(path.join(REPO_DIR, 'dist/test/helpers/postgres-cluster.js'));
    postgres = await startPostgresCluster();
    process.on('exit', () => postgres.stop());
  }
  return postgres;
}

/** openddb serve --storage postgres://… with `processes` server processes (--workers above 1) on one database. */
function postgresServer(processes, cli = OPENDDB_CLI) {
  return {
    label:
      processes === 1
        ? 'openddb on PostgreSQL (one server process; the database on this machine)'
        : `openddb on PostgreSQL (serve --workers ${processes}: ${processes} server processes on one database)`,
    durable: true,
    transactions: true,
    workers: processes > 1 ? processes : undefined,
    postgres: true,
    unavailable: () => {
      if (!existsSync(cli)) return `${cli} not found (npm run build)`;
      if (!existsSync(path.join(REPO_DIR, 'dist/test/helpers/postgres-cluster.js'))) return 'dist/test/helpers/postgres-cluster.js not found (npm run build)';
      return null;
    },
    prepare: postgresCluster,
    command: (port, dataDir) => {
      const url = new URL(postgresDatabase());
      url.searchParams.set('schema', `bench_${path.basename(dataDir).toLowerCase().replace(/[^a-z0-9_]/g, '_')}`);
      return [
        process.execPath,
        [cli, 'serve', '--host', '127.0.0.1', '--port', String(port), '--storage', url.toString(), ...(processes > 1 ? ['--workers', String(processes)] : [])],
      ];
    },
    dbPid: () => postgres?.postmasterPid(),
  };
}

let database;
/** One database for the whole bench; servers differ by schema. */
function postgresDatabase() {
  database ??= postgres.createDatabase('openddb_bench');
  return database;
}

/** Defines `openddb-postgres-base`: openddb-postgres run from another build's bundled CLI, to judge a change against its base in one run. */
export function definePostgresBaseServer(cli) {
  const file = path.resolve(cli);
  SERVERS['openddb-postgres-base'] = { ...postgresServer(1, file), label: `openddb on PostgreSQL (one server process) from ${file}`, cli: file };
  return 'openddb-postgres-base';
}

const WORKERS_NAME = /^openddb-disk-w([1-9]\d{0,2})$/;

/**
 * Defines `openddb-disk-base`: openddb-disk run from another build's bundled
 * CLI (say, a checkout of main before a change, built), so a change is
 * judged against its base in one run on one machine state.
 */
export function defineBaseServer(cli) {
  const file = path.resolve(cli);
  SERVERS['openddb-disk-base'] = {
    ...SERVERS['openddb-disk'],
    label: `openddb (durable, embedded store) from ${file}`,
    cli: file,
    unavailable: () => (existsSync(file) ? null : `${file} not found`),
    command: (port, dataDir) => [process.execPath, [file, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir]],
  };
  return 'openddb-disk-base';
}

/** The server name for openddb on disk with n workers: plain `openddb-disk` for 1, as users run it (no flag). */
export const workersServerName = (n) => (n === 1 ? 'openddb-disk' : `openddb-disk-w${n}`);

/**
 * Makes `openddb-disk-w<N>` a known server (`openddb serve --workers N`: a
 * primary and N child processes on one data directory; its CPU is the sum
 * over all of them). Returns whether `name` is known now.
 */
export function defineServer(name) {
  if (SERVERS[name]) return true;
  const m = WORKERS_NAME.exec(name);
  if (!m) return false;
  const n = Number(m[1]);
  SERVERS[name] = {
    label: `openddb (durable, embedded store; serve --workers ${n}: primary + ${n} worker processes)`,
    durable: true,
    transactions: true,
    // `--workers 1` is the one-process server: nothing forked to wait for.
    workers: n > 1 ? n : undefined,
    unavailable: SERVERS['openddb-disk'].unavailable,
    command: (port, dataDir) => [
      process.execPath,
      [OPENDDB_CLI, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, '--workers', String(n)],
    ],
  };
  return true;
}

// dynalite keeps a new table CREATING for 500 ms by default; the bench is not about that.
const DYNALITE_FAST_TABLES = ['--createTableMs', '0', '--deleteTableMs', '0', '--updateTableMs', '0'];

const pkgVersion = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return 'unknown';
  }
};

/** The version of a server, for the report's header. */
export function serverVersion(name) {
  if (name === 'openddb-disk-base') return pkgVersion(path.join(SERVERS[name].cli, '../../package.json'));
  if (name.startsWith('openddb')) return pkgVersion(path.join(REPO_DIR, 'package.json'));
  if (name.startsWith('dynalite')) return pkgVersion(path.join(REPO_DIR, 'node_modules/dynalite/package.json'));
  if (name.startsWith('dynamodb-local')) {
    const p = prepareDynamoDbLocal();
    return p.error ? 'not available' : `DynamoDB Local ${p.version} (${p.origin}) on Java ${p.java}`;
  }
  if (name === 'moto') {
    const script = findMoto();
    if (!script) return 'absent';
    try {
      // The script's own interpreter, read from its shebang; importlib.metadata avoids importing moto (slow).
      const shebang = readFileSync(script, 'utf8').split('\n', 1)[0];
      const python = shebang.startsWith('#!') && !shebang.includes('/env ') ? shebang.slice(2).trim() : 'python3';
      return execFileSync(python, ['-c', "import importlib.metadata as m; print(m.version('moto'))"], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  }
  return `node ${process.versions.node}`;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; tiny race until the server binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const live = new Set();
const tempDirs = new Set();

export function makeDataDir(name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `openddb-bench-${name}-`));
  tempDirs.add(dir);
  return dir;
}

/**
 * SIGKILLs processes a server forked, `{ pid, start }` as seen earlier,
 * each only if that pid is still the same process (same start time).
 */
function killChildren(children) {
  for (const { pid, start } of children) {
    if (startTime(pid) !== start) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Kills every server still running (with its worker processes) and removes the data directories this bench made. */
export function cleanupAll() {
  for (const s of live) s.killNow();
  live.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}
process.on('exit', cleanupAll);

/**
 * Starts a server and resolves once ListTables answers 200, with
 * `{ name, pid, port, dataDir, coldStartMs, stop(), kill(), logTail() }`.
 * coldStartMs runs from spawn to the first answered ListTables. Rejects
 * with the server's own output if it exits or is not ready in time.
 */
export async function startServer(name, { dataDir, readyTimeoutMs } = {}) {
  const def = SERVERS[name];
  // A JVM starting on a busy 2-core machine has been seen to take 10 s.
  readyTimeoutMs ??= def.jvm ? 60_000 : 30_000;
  const why = def.unavailable();
  if (why) throw new Error(why);
  await def.prepare?.();
  const port = await freePort();
  const dir = def.durable ? (dataDir ?? makeDataDir(name)) : undefined;
  const [cmd, args] = def.command(port, dir);
  let log = '';
  const keepLog = (chunk) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  const t0 = performance.now();
  const proc = spawn(cmd, args, { cwd: REPO_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', keepLog);
  proc.stderr.on('data', keepLog);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(handle);
      resolve(exited);
    });
  });
  proc.on('error', (err) => {
    exited = { code: null, signal: null, error: err.message };
  });
  // Children it forked (workers), as last seen: a primary killed first would orphan them.
  let children = [];
  const handle = {
    name,
    pid: proc.pid,
    /** The database server's main process, whose tree's CPU the server's cost includes (openddb-postgres). */
    dbPid: def.dbPid?.(),
    port,
    dataDir: dir,
    proc,
    coldStartMs: NaN,
    workersReadyMs: undefined,
    logTail: () => summarizeLog(log),
    log: () => log,
    /** The server's pid and those of its live children (workers), which it also remembers for killing. */
    pids() {
      if (exited) return [];
      const tree = processTree(proc.pid);
      children = tree.slice(1).map((pid) => ({ pid, start: startTime(pid) }));
      return tree;
    },
    /** SIGKILL now, to the server and the children last seen (synchronous: for exit handlers). */
    killNow() {
      if (!exited) handle.pids();
      killChildren(children);
      if (!exited) proc.kill('SIGKILL');
    },
    /** SIGTERM, then SIGKILL (of its children too) if it has not exited within graceMs. */
    async stop(graceMs = 3000) {
      if (exited) return;
      handle.pids();
      proc.kill('SIGTERM');
      const timer = setTimeout(() => handle.killNow(), graceMs);
      await exitPromise;
      clearTimeout(timer);
      // A primary that exits leaves no worker behind; make sure.
      killChildren(children);
    },
    /** SIGKILL of the server and every process it forked: a crash, as far as the server can tell. */
    async kill() {
      if (exited) return;
      handle.killNow();
      await exitPromise;
    },
  };
  live.add(handle);

  const deadline = t0 + readyTimeoutMs;
  for (;;) {
    if (exited) {
      const how = exited.error ?? (exited.signal ? `signal ${exited.signal}` : `code ${exited.code}`);
      throw new Error(`${name} exited (${how}) before it was ready: ${handle.logTail() || '(no output)'}`);
    }
    // A bare TCP connect is the cheapest probe; polling must not slow the start it measures.
    if (await canConnect(port)) {
      let res;
      try {
        res = await call(port, 'ListTables', {}, { timeoutMs: 2000 });
      } catch {
        // Listening but not answering yet.
      }
      if (res?.status === 200) break;
      if (res && res.status >= 400 && res.status < 500) {
        // A refusal (bad signature, unknown operation) will not change by waiting.
        await handle.kill();
        throw new Error(`${name}: ListTables answered HTTP ${res.status} ${describeError(res.body)}`);
      }
    }
    if (performance.now() > deadline) {
      await handle.kill();
      throw new Error(`${name} not ready after ${readyTimeoutMs} ms: ${handle.logTail() || '(no output)'}`);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  handle.coldStartMs = performance.now() - t0;
  if (def.workers) await waitForWorkers(handle, def.workers, deadline);
  return handle;
}

/**
 * The first answer comes from whichever worker listened first; the others
 * may still be starting. Waits until the server has forked all its workers
 * and says it is listening (openddb prints "openddb listening on ..." once
 * every worker is ready; without that line, 2 s after the last fork), then
 * checks that answers on fresh connections are right.
 */
async function waitForWorkers(handle, n, deadline) {
  const t0 = performance.now();
  let forkedAt;
  for (;;) {
    const forked = handle.pids().length - 1;
    if (forked >= n) forkedAt ??= performance.now();
    if (forkedAt !== undefined && (/listening on/.test(handle.log()) || performance.now() - forkedAt > 2000)) break;
    if (handle.proc.exitCode !== null || handle.proc.signalCode !== null) {
      throw new Error(`${handle.name} exited before its ${n} workers started: ${handle.logTail() || '(no output)'}`);
    }
    if (performance.now() > deadline) {
      await handle.kill();
      throw new Error(`${handle.name}: ${forked} of ${n} worker processes after ${Math.round(performance.now() - t0)} ms: ${handle.logTail() || '(no output)'}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const answers = await Promise.all(Array.from({ length: 2 * n }, () => call(handle.port, 'ListTables', {}, { timeoutMs: 2000, fresh: true }).catch((e) => ({ body: e.message }))));
  const bad = answers.find((a) => a.status !== 200);
  if (bad) {
    await handle.kill();
    throw new Error(`${handle.name}: ListTables on a fresh connection: ${bad.status ? `HTTP ${bad.status} ` : ''}${describeError(bad.body)}`);
  }
  handle.workersReadyMs = performance.now() - t0 + handle.coldStartMs;
}

/**
 * One line from a server's output that says what went wrong: the first
 * error-looking line (a Node stack puts the message above the frames), else
 * the last line.
 */
function summarizeLog(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const err =
    lines.find((l) => /^(?:[A-Z]\w*)?(?:Error|Exception)\b[^(]*:/.test(l)) ??
    lines.find((l) => !l.startsWith('at ') && /(Error|ERR_|error:|Exception)/.test(l));
  return (err ?? lines.at(-1) ?? '').slice(0, 300);
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function removeDataDir(dir) {
  if (!dir || !tempDirs.has(dir)) return;
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}
