/**
 * @module cli
 * `openddb serve [--host 127.0.0.1] [--port 8000] [--data ./data | --in-memory | --storage LOCATION [--storage-pool-size 10]]
 *                [--workers 1|N|auto] [--ttl-interval-ms 1000] [--http node|fast] [--log-level warn] [--slow-ms 1000]
 *                [--auth FILE [--public-metrics]] [--allow-anonymous] [--tls-cert FILE --tls-key FILE [--tls-port N]] [--max-connections N]
 *                [--throttle] [--lag-ms MIN[-MAX]] [--txn-ms MIN[-MAX]] [--faults SPEC] [--seed N]`
 *
 * The `openddb` bin (dist/openddb.mjs, made by scripts/build.mjs) loads this
 * module bundled, through V8's code cache, and calls runCli. With
 * `--workers N` (N > 1) this process becomes the primary of N worker
 * processes (server/cluster), which run the same bin: a worker knows
 * itself by the environment its primary gives it, and ignores argv.
 * `--workers 1` (the default) is the one-process server, with nothing of
 * the cluster loaded.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { startServer } from './server/start-server.js';
import { MEMORY_LOCATION } from './storage/open-engine.js';
import { LOG_LEVELS, type LogLevel } from './server/request-observer.js';
import { parseFaults, parseLag } from './pressure/settings.js';

// For scripts/build.mjs, which starts servers from the bundle to fill its code cache.
export { startServer };

const USAGE = `usage: openddb serve [--host 127.0.0.1] [--port 8000] [--data ./data | --in-memory | --storage LOCATION [--storage-pool-size 10]]
                     [--workers 1|N|auto] [--region us-east-1] [--ttl-interval-ms 1000] [--http node|fast]
                     [--log-level error|warn|info|debug] [--slow-ms 1000]
                     [--auth FILE [--public-metrics]] [--allow-anonymous] [--tls-cert FILE --tls-key FILE [--tls-port N]] [--max-connections N]
                     [--s3-endpoint URL | --export-dir DIR] [--apply TEMPLATE]...
                     [--throttle] [--lag-ms MIN[-MAX]] [--txn-ms MIN[-MAX]] [--faults SPEC] [--seed N]   (docs/pressure.md)
       openddb export|import …                      start an export or import on a running server and follow it
       openddb apply FILE... [--dry-run]            tables from CloudFormation/SAM/Terraform
       openddb migrate --from SOURCE --to TABLE     copy PostgreSQL, SQLite, CSV, JSONL, Parquet or DynamoDB data in
       openddb dump TABLE > FILE.jsonl | openddb load TABLE < FILE.jsonl
       openddb cost                                 estimate the monthly DynamoDB bill of measured traffic
       openddb backup TABLE | --data DIR --to DIR    openddb restore …   (openddb backup --help)
       (each: --help for its options)`;

/** The tools' subcommands (src/tools), loaded only when run. */
const TOOLS: Record<string, () => Promise<(argv: string[]) => Promise<number>>> = {
  apply: async () => (await import('./tools/apply.js')).runApply,
  migrate: async () => (await import('./tools/migrate.js')).runMigrate,
  dump: async () => (await import('./tools/dump.js')).runDump,
  load: async () => (await import('./tools/dump.js')).runLoad,
  cost: async () => (await import('./tools/cost.js')).runCost,
};

/** --storage-pool-size above this is surely a typo (PostgreSQL's default max_connections is 100). */
const MAX_STORAGE_POOL_SIZE = 1000;

/** --workers above this is surely a typo (and would exhaust the machine). */
const MAX_WORKERS = 256;

/** Where the data lives, from --data / --in-memory / --storage. */
type Store = { readonly inMemory: true } | { readonly dataDir: string } | { readonly storage: string };

/** `--workers`: a whole number from 1, or `auto` (one per core). Returns the count or the message to print. */
export function parseWorkers(value: string): number | string {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    return `--workers must be a whole number from 1 to ${MAX_WORKERS}, or 'auto', not '${value}'`;
  }
  return n;
}

export async function main(argv: string[]): Promise<number> {
  // server/cluster's WORKER_ENV, spelled out: the cluster module loads only in workers and primaries.
  if (process.env.OPENDDB_WORKER !== undefined) {
    const { runClusterWorker } = await import('./server/cluster.js');
    await runClusterWorker();
    return 0;
  }
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === 'backup' || command === 'restore') {
    const { runBackupCli } = await import('./backup-cli.js');
    return runBackupCli(command, rest);
  }
  if (command === 'export' || command === 'import') {
    const { runTransferCommand } = await import('./transfer/cli.js');
    return runTransferCommand(command, rest);
  }
  const tool = Object.hasOwn(TOOLS, command) ? TOOLS[command] : undefined;
  if (tool !== undefined) return (await tool())(rest);
  if (command !== 'serve') {
    process.stderr.write(`openddb: unknown command '${command}'\n${USAGE}\n`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8000' },
        data: { type: 'string' },
        'in-memory': { type: 'boolean', default: false },
        storage: { type: 'string' },
        'storage-pool-size': { type: 'string' },
        workers: { type: 'string', default: '1' },
        region: { type: 'string' },
        'ttl-interval-ms': { type: 'string' },
        http: { type: 'string', default: 'fast' },
        'log-level': { type: 'string', default: 'warn' },
        'slow-ms': { type: 'string' },
        auth: { type: 'string' },
        'allow-anonymous': { type: 'boolean', default: false },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-port': { type: 'string' },
        'public-metrics': { type: 'boolean', default: false },
        'max-connections': { type: 'string' },
        's3-endpoint': { type: 'string' },
        'export-dir': { type: 'string' },
        apply: { type: 'string', multiple: true },
        throttle: { type: 'boolean', default: false },
        'lag-ms': { type: 'string' },
        'txn-ms': { type: 'string' },
        faults: { type: 'string' },
        seed: { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`openddb: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`openddb: --port must be a number from 0 to 65535, not '${values.port}'\n`);
    return 2;
  }
  const ttlIntervalMs = values['ttl-interval-ms'] === undefined ? undefined : Number(values['ttl-interval-ms']);
  if (ttlIntervalMs !== undefined && (!Number.isInteger(ttlIntervalMs) || ttlIntervalMs < 1)) {
    process.stderr.write(`openddb: --ttl-interval-ms must be a whole number of milliseconds, at least 1, not '${values['ttl-interval-ms']}'\n`);
    return 2;
  }
  if (values.http !== 'node' && values.http !== 'fast') {
    process.stderr.write(`openddb: --http must be 'node' or 'fast', not '${values.http}'\n`);
    return 2;
  }
  const httpFrontEnd: 'node' | 'fast' = values.http;
  const logLevel = values['log-level'] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    process.stderr.write(`openddb: --log-level must be one of ${LOG_LEVELS.join(', ')}, not '${values['log-level']}'\n`);
    return 2;
  }
  const slowMs = values['slow-ms'] === undefined ? undefined : Number(values['slow-ms']);
  if (slowMs !== undefined && (!Number.isFinite(slowMs) || slowMs < 0 || values['slow-ms']!.trim() === '')) {
    process.stderr.write(`openddb: --slow-ms must be a number of milliseconds, at least 0, not '${values['slow-ms']}'\n`);
    return 2;
  }
  if ([values['in-memory'], values.data !== undefined, values.storage !== undefined].filter(Boolean).length > 1) {
    process.stderr.write('openddb: choose one of --data, --in-memory and --storage\n');
    return 2;
  }
  // --storage goes to storage/open-engine's openStorage as given: it knows
  // the locations (a directory, memory:, postgres://).
  const store: Store =
    values.storage !== undefined
      ? { storage: values.storage }
      : values['in-memory']
        ? { inMemory: true }
        : { dataDir: values.data ?? './data' };
  const inMemory = 'inMemory' in store || ('storage' in store && store.storage === MEMORY_LOCATION);
  const workers = parseWorkers(values.workers);
  if (typeof workers === 'string') {
    process.stderr.write(`openddb: ${workers}\n`);
    return 2;
  }
  if (workers > 1 && inMemory) {
    process.stderr.write(
      `openddb: --workers ${values.workers} needs a data directory (--data DIR): in memory, each worker process would have its own separate database\n`,
    );
    return 2;
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    process.stderr.write('openddb: --tls-cert and --tls-key go together\n');
    return 2;
  }
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (values['tls-cert'] !== undefined && values['tls-key'] !== undefined) {
    try {
      tls = { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) };
    } catch (e) {
      process.stderr.write(`openddb: cannot read the TLS certificate or key: ${(e as Error).message}\n`);
      return 2;
    }
  }
  let tlsPort: number | undefined;
  if (values['tls-port'] !== undefined) {
    tlsPort = Number(values['tls-port']);
    if (tls === undefined) {
      process.stderr.write('openddb: --tls-port needs --tls-cert and --tls-key\n');
      return 2;
    }
    if (!/^\d+$/.test(values['tls-port']) || tlsPort > 65535) {
      process.stderr.write(`openddb: --tls-port must be a port number, not '${values['tls-port']}'\n`);
      return 2;
    }
    // node:cluster shares one listening socket per address and port asked for: two listens on port 0 would be one.
    if (tlsPort === 0 && workers > 1) {
      process.stderr.write('openddb: --tls-port 0 (any free port) works with one worker only; give a port number\n');
      return 2;
    }
    if (tlsPort === port && port !== 0) {
      process.stderr.write(`openddb: --tls-port must differ from --port (${port})\n`);
      return 2;
    }
  }
  // Connections of each server process to a PostgreSQL database (storage/postgres-engine; default 10).
  const storagePoolSize = values['storage-pool-size'] === undefined ? undefined : Number(values['storage-pool-size']);
  if (storagePoolSize !== undefined) {
    if (!/^[0-9]+$/.test(values['storage-pool-size']!) || storagePoolSize < 1 || storagePoolSize > MAX_STORAGE_POOL_SIZE) {
      process.stderr.write(`openddb: --storage-pool-size must be a whole number from 1 to ${MAX_STORAGE_POOL_SIZE}, not '${values['storage-pool-size']}'\n`);
      return 2;
    }
    if (!('storage' in store) || !/^postgres(ql)?:\/\//i.test(store.storage)) {
      process.stderr.write('openddb: --storage-pool-size applies to a database: use it with --storage postgres://…\n');
      return 2;
    }
  }
  const maxConnections = values['max-connections'] === undefined ? undefined : Number(values['max-connections']);
  if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1)) {
    process.stderr.write(`openddb: --max-connections must be a whole number, at least 1, not '${values['max-connections']}'\n`);
    return 2;
  }
  // The pressure modes (docs/pressure.md): all off unless asked for.
  const lag = values['lag-ms'] === undefined ? undefined : parseLag(values['lag-ms']);
  if (typeof lag === 'string') {
    process.stderr.write(`openddb: --lag-ms: ${lag}\n`);
    return 2;
  }
  const txnMs = values['txn-ms'] === undefined ? undefined : parseLag(values['txn-ms']);
  if (typeof txnMs === 'string') {
    process.stderr.write(`openddb: --txn-ms: ${txnMs}\n`);
    return 2;
  }
  const faults = values.faults === undefined ? undefined : parseFaults(values.faults);
  if (typeof faults === 'string') {
    process.stderr.write(`openddb: --faults: ${faults}\n`);
    return 2;
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && (!/^[0-9]+$/.test(values.seed!) || !Number.isSafeInteger(seed))) {
    process.stderr.write(`openddb: --seed must be a whole number, not '${values.seed}'\n`);
    return 2;
  }
  const pressure = {
    ...(values.throttle ? { throttle: true } : {}),
    ...(lag !== undefined && lag.maxMs > 0 ? { lag } : {}),
    ...(txnMs !== undefined && txnMs.maxMs > 0 ? { txnMs } : {}),
    ...(faults !== undefined && faults.length > 0 ? { faults } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
  const options = {
    host: values.host,
    port,
    ...store,
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(ttlIntervalMs !== undefined ? { ttlIntervalMs } : {}),
    http: httpFrontEnd,
    logLevel,
    ...(slowMs !== undefined ? { slowMs } : {}),
    ...(values.auth !== undefined ? { authFile: values.auth } : {}),
    allowAnonymousNetwork: values['allow-anonymous'],
    publicMetrics: values['public-metrics'],
    ...(tls !== undefined ? { tls } : {}),
    ...(tlsPort !== undefined ? { tlsPort } : {}),
    ...(maxConnections !== undefined ? { maxConnections } : {}),
    ...(storagePoolSize !== undefined ? { storagePoolSize } : {}),
    ...(values['s3-endpoint'] !== undefined ? { s3Endpoint: values['s3-endpoint'] } : {}),
    ...(values['export-dir'] !== undefined ? { exportDir: values['export-dir'] } : {}),
    ...(Object.keys(pressure).length > 0 ? { pressure } : {}),
  };
  // Signals are listened for from before the start: one that arrives while
  // the server starts (or just after it says it listens: a loaded machine
  // may pause this process between the two) stops it once it has started,
  // gracefully. Without a listener, Node's own handler would kill the process.
  let stopRequested = false;
  let onStop: (() => void) | undefined;
  const stop = (signal: string) => {
    process.stderr.write(`openddb: ${signal} received, ${stopRequested ? 'already ' : ''}shutting down\n`);
    stopRequested = true;
    onStop?.();
  };
  // on(), not once(): a repeated signal must not kill the process mid-shutdown.
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  let server;
  try {
    // Workers run this same bin (process.argv[1]); it knows them by their environment.
    server = workers === 1 ? await startServer(options) : await startServer({ ...options, workers, workerScript: process.argv[1]! });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') {
      process.stderr.write(`openddb: port ${port} on ${values.host} is already in use; stop the other server or choose --port\n`);
    } else if (err.code === 'EACCES' && err.syscall === 'listen') {
      process.stderr.write(`openddb: no permission to listen on ${values.host}:${port}\n`);
    } else {
      process.stderr.write(`openddb: ${err.message}\n`);
    }
    return 1;
  }
  if (values.apply !== undefined && !stopRequested) {
    // Tables from templates before the server says it is ready, so a test suite gets them in one step.
    const { applyAtStart } = await import('./tools/apply.js');
    const message = await applyAtStart(server.url, values.apply, values.region);
    if (message !== undefined) {
      process.stderr.write(`openddb: --apply: ${message}\n`);
      await server.close();
      return 1;
    }
  }
  const where = inMemory
    ? 'in-memory store (nothing is kept on exit)'
    : 'dataDir' in store
      ? `data in ${store.dataDir}`
      : `storage ${store.storage}`;
  const processes = workers === 1 ? '' : `, ${workers} worker processes`;
  const secure = server.tlsUrl === undefined ? '' : ` and ${server.tlsUrl}`;
  process.stdout.write(`openddb listening on ${server.url}${secure} (${where}${processes})\n`);
  if (!stopRequested) {
    await new Promise<void>((resolve) => {
      onStop = resolve;
      // Workers that all stopped by themselves leave nothing to serve.
      if ('stopped' in server) void server.stopped.then(resolve);
    });
  }
  await server.close();
  return 0;
}

/** Runs the CLI with `argv` (process.argv without node and the script) and sets the exit code. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`openddb: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
