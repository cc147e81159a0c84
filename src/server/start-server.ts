/**
 * @module server/start-server
 * Starts a whole openddb server: storage engine, database, HTTP edge. Used by
 * the CLI and by users' test suites (`startServer({ port: 0, inMemory: true })`).
 * With `workers` above 1 it starts that many server processes on one port
 * and one data directory instead (server/cluster).
 */
import { fileURLToPath } from 'node:url';
import type { Clock, Database } from '../data/database.js';
import { openDatabase } from '../api/open-database.js';
import { startTransfer } from '../transfer/service.js';
import { readEntriesAsOf, restorableWindow } from '../backup/point-in-time.js';
import { Dispatcher } from '../api/dispatcher.js';
import { MEMORY_LOCATION, openEngine, openStorage } from '../storage/open-engine.js';
import { startFastHttpServer } from './fast-http/fast-http-server.js';
import { startStreams } from '../streams/stream-trimmer.js';
import { startTtlSweeper } from '../ttl/ttl-sweeper.js';
import { startTokenSweeper } from '../txn/client-tokens.js';
import { startBackfillSupervisor } from '../data/index-backfill.js';
import { startVectorLogTrimmer } from '../data/vector-log.js';
import { startChangeLogTrimmer } from '../backup/change-log-trimmer.js';
import { startBackupSupervisor } from '../backup/backup-supervisor.js';
import type { RunningCluster } from './cluster.js';

export type { RunningCluster } from './cluster.js';
import { watchAuthFile } from './authenticate.js';
import { isLoopbackAddress, isLoopbackHost } from './loopback.js';
import type { TlsFiles } from './http-server.js';
import { ServerMetrics } from '../metrics/server-metrics.js';
import { RequestObserver, type LogLevel } from './request-observer.js';
import { registerProcessMetrics } from './process-metrics.js';
import { Pressure, type PressureOptions } from '../pressure/pressure.js';
import type { Operation } from '../api/operation.js';

export interface StartServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8000; 0 picks a free port. */
  readonly port?: number;
  /** Directory of the durable store; default ./data. Ignored with inMemory. */
  readonly dataDir?: string;
  readonly inMemory?: boolean;
  /**
   * Where the data lives, as a location (storage/open-engine openStorage):
   * a directory, `memory:`, or `postgres://…`. Takes the place
   * of dataDir and inMemory.
   */
  readonly storage?: string;
  /** Connections of this process to the database `storage` names (PostgreSQL; default 10). */
  readonly storagePoolSize?: number;
  readonly region?: string;
  readonly accountId?: string;
  readonly clock?: Clock;
  /** Where log lines go; default stderr. */
  readonly log?: (line: string) => void;
  /** Milliseconds between TTL sweeps (ttl/ttl-sweeper); default 1000. */
  readonly ttlIntervalMs?: number;
  /** Milliseconds between stream trimming passes (streams/stream-trimmer); default 60000. */
  readonly streamTrimIntervalMs?: number;
  /**
   * The HTTP front end: 'fast' (the default: a hand-written HTTP/1.1
   * server on node:net, server/fast-http, which costs 20–45 µs less CPU per
   * request) or 'node' (node:http). Both serve the same protocol through
   * server/dynamo-protocol.
   */
  readonly http?: 'node' | 'fast';
  /** Which request log lines are written (server/request-observer); default 'warn'. */
  readonly logLevel?: LogLevel;
  /** A request taking at least this many milliseconds is logged as slow; default 1000. */
  readonly slowMs?: number;
  /**
   * Labels added to every metric series, e.g. `{ process: '2' }` when
   * several processes serve one store and each answers /metrics for itself.
   */
  readonly metricsLabels?: Readonly<Record<string, string>>;
  /**
   * How many server processes to run on this port and data directory;
   * default 1: this process serves, nothing else starts. Above 1, this
   * process only starts, restarts and stops the workers (server/cluster),
   * which needs a data directory shared by all of them (not inMemory), and
   * no custom clock (it cannot cross processes); log lines of the workers
   * reach `log`, prefixed with the worker's number.
   */
  readonly workers?: number;
  /**
   * The script workers run (server/cluster); default this package's
   * server/cluster-worker.js. The CLI passes its own bin.
   */
  readonly workerScript?: string;
  /**
   * The credentials file (`--auth`, auth/identities): every request must be
   * signed by one of its identities and is held to its policies; the file is
   * re-read when it changes. Absent: anonymous access, which only a
   * loopback host allows unless allowAnonymousNetwork is set.
   */
  readonly authFile?: string;
  /** Serve anonymous requests on a non-loopback host (no authFile). Default false: refuse to start. */
  readonly allowAnonymousNetwork?: boolean;
  /** Serve HTTPS with this PEM certificate chain and private key. */
  readonly tls?: TlsFiles;
  /**
   * With `tls`: serve HTTPS on this port and plain HTTP on `port`, both
   * to the one database (`--tls-port`). Absent: HTTPS only, on `port`.
   */
  readonly tlsPort?: number;
  /** With authFile: serve /metrics to every client, not only to this machine's (`--public-metrics`). */
  readonly publicMetrics?: boolean;
  /** At most this many open connections; more are closed as they arrive. Default: no limit. */
  readonly maxConnections?: number;
  /**
   * Throttling, lag, conflicts and faults (`--throttle`, `--lag-ms`,
   * `--faults`, `--seed`; docs/pressure.md). Default: every mode off; tables'
   * `openddb:` tags and the admin endpoint can still turn them on.
   */
  readonly pressure?: PressureOptions;
  /** Export, import and bulk operations use this S3-compatible endpoint's buckets (transfer/bucket). */
  readonly s3Endpoint?: string;
  /** Without s3Endpoint: they use this folder, one sub-folder per bucket. */
  readonly exportDir?: string;
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8000 */
  readonly url: string;
  readonly port: number;
  /** With `tlsPort`: the HTTPS listener's URL and port, beside the plain one. */
  readonly tlsUrl?: string;
  readonly tlsPort?: number;
  readonly database: Database;
  /** The metrics GET /metrics renders. */
  readonly metrics: ServerMetrics;
  /** Stops accepting requests, finishes background work and closes the store. */
  close(): Promise<void>;
}

export function startServer(options?: StartServerOptions & { readonly workers?: 1 }): Promise<RunningServer>;
export function startServer(options: StartServerOptions): Promise<RunningServer | RunningCluster>;
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer | RunningCluster> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be a whole number, at least 1, not ${workers}`);
  const host = options.host ?? '127.0.0.1';
  if (options.authFile === undefined && !options.allowAnonymousNetwork && !isLoopbackHost(host)) {
    throw new Error(
      `refusing to serve anonymous requests on ${host}, which other machines can reach: anyone could read, write and delete every table. ` +
        'Give --auth FILE (identities and policies), bind to 127.0.0.1, or pass --allow-anonymous to accept the risk.',
    );
  }
  // The primary refuses what a worker would, before starting any; each worker reads the credentials file itself.
  if (workers > 1) return startWorkers(options, workers, log);
  // Read before anything opens: a server must not start on a broken credentials file.
  const auth = options.authFile === undefined ? undefined : watchAuthFile(options.authFile, log);
  // The operations (most of openddb's code) load while the store opens,
  // overlapping its file I/O where they can. If opening fails, that error
  // is the one to report.
  const loadingOperations = import('../api/all-operations.js');
  loadingOperations.catch(() => {});
  let engine;
  try {
    engine =
      options.storage !== undefined
        ? await openStorage(options.storage, options.storagePoolSize === undefined ? {} : { poolSize: options.storagePoolSize })
        : await openEngine(options.inMemory ? { inMemory: true } : { dataDir: options.dataDir ?? './data' });
  } catch (e) {
    auth?.close?.();
    throw e;
  }
  const metrics = new ServerMetrics(options.metricsLabels);
  let database: Database;
  try {
    database = await openDatabase(engine, {
      log,
      meter: metrics,
      ...(options.region !== undefined ? { region: options.region } : {}),
      ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
    });
  } catch (e) {
    await engine.close();
    throw e;
  }
  try {
    // Background work of streams and TTL; the sequence clock is primed
    // from storage before the first request can write.
    await startStreams(database, options.streamTrimIntervalMs);
    startTtlSweeper(database, options.ttlIntervalMs);
    startTokenSweeper(database);
    startBackfillSupervisor(database);
    startVectorLogTrimmer(database);
    startChangeLogTrimmer(database);
    startBackupSupervisor(database);
    // Exports read a table as of an instant through backup's point-in-time reader.
    startTransfer(
      database,
      {
        ...(options.s3Endpoint !== undefined ? { s3Endpoint: options.s3Endpoint } : {}),
        ...(options.exportDir !== undefined ? { exportDir: options.exportDir } : {}),
      },
      { restorableWindow, readEntriesAsOf },
    );
  } catch (e) {
    await database.close();
    throw e;
  }
  let http;
  let secureHttp: Awaited<ReturnType<typeof startFastHttpServer>> | undefined;
  let stopProcessMetrics = () => {};
  const pressure = new Pressure(database, options.pressure, log);
  try {
    // Settings the admin endpoint stored through another process apply from the first request.
    await pressure.sync();
    const dispatcher = new Dispatcher(database, rescanningTags((await loadingOperations).allOperations, pressure), pressure);
    // node:http's front end is the non-default one: load it only when chosen.
    const start = options.http === 'node' ? (await import('./http-server.js')).startHttpServer : startFastHttpServer;
    const observer = new RequestObserver({
      metrics,
      log,
      ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
      ...(options.slowMs !== undefined ? { slowMs: options.slowMs } : {}),
    });
    // A key no table can have (table ids start at 1): a read that costs the store almost nothing.
    const probeKey = Uint8Array.of(0);
    const startedAt = performance.now();
    const listener = {
      host,
      dispatcher,
      log,
      observer,
      ...(auth !== undefined ? { auth } : {}),
      pressure,
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
      ops: {
        metrics: () => metrics.registry.render(),
        probeStorage: () => engine.get(probeKey),
        uptimeSeconds: () => Math.round(performance.now() - startedAt) / 1000,
        console: { region: database.region, auth: auth !== undefined },
        ...(auth !== undefined && !options.publicMetrics ? { metricsVisibleTo: isLoopbackAddress } : {}),
      },
    };
    // HTTPS on a port of its own leaves `port` plain HTTP; else `tls` makes `port` HTTPS.
    const separateTls = options.tls !== undefined && options.tlsPort !== undefined;
    const running = await start({
      ...listener,
      port: options.port ?? 8000,
      ...(options.tls !== undefined && !separateTls ? { tls: options.tls, secure: true } : {}),
    });
    http = running;
    if (separateTls) {
      try {
        secureHttp = await start({ ...listener, port: options.tlsPort!, tls: options.tls!, secure: true });
      } catch (e) {
        await running.close();
        throw e;
      }
    }
    const secure = secureHttp;
    stopProcessMetrics = registerProcessMetrics(metrics, {
      engine,
      dataDir: options.inMemory ? undefined : (options.dataDir ?? './data'),
      connections: () => running.connections() + (secure?.connections() ?? 0),
    });
  } catch (e) {
    auth?.close?.();
    pressure.close();
    await database.close();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    url: http.url,
    port: http.port,
    ...(secureHttp !== undefined ? { tlsUrl: secureHttp.url, tlsPort: secureHttp.port } : {}),
    database,
    metrics,
    close: () =>
      (closing ??= (async () => {
        auth?.close?.();
        pressure.close();
        stopProcessMetrics();
        await Promise.all([http.close(), secureHttp?.close()]);
        await database.close();
      })()),
  };
}

/** `workers` above 1: this process becomes the primary of a cluster of servers (server/cluster). */
async function startWorkers(options: StartServerOptions, workers: number, log: (line: string) => void): Promise<RunningCluster> {
  if (options.storage !== undefined ? options.storage === MEMORY_LOCATION : options.inMemory) {
    throw new Error(
      `${workers} workers need a data directory they share: in memory, each worker process would have its own separate database`,
    );
  }
  if (options.clock !== undefined) throw new Error('a custom clock cannot be shared with worker processes: use one worker');
  const { clock: _clock, log: _log, workers: _workers, inMemory: _inMemory, workerScript, ...server } = options;
  const { startCluster } = await import('./cluster.js');
  // Each worker enforces its share of every table's capacity (docs/pressure.md).
  const shared = { ...server, pressure: { ...options.pressure, processes: options.pressure?.processes ?? workers } };
  return startCluster({
    workers,
    server: options.storage !== undefined ? shared : { ...shared, dataDir: options.dataDir ?? './data' },
    exec: workerScript ?? fileURLToPath(new URL('./cluster-worker.js', import.meta.url)),
    log,
  });
}

/** Operations that change tables' tags: the pressure modes look at the tags again after each (pressure/pressure rescan). */
const TAGGING = new Set(['CreateTable', 'DeleteTable', 'UpdateTable', 'TagResource', 'UntagResource']);

function rescanningTags(operations: readonly Operation[], pressure: Pressure): Operation[] {
  return operations.map((op) =>
    TAGGING.has(op.name) && op.service === undefined
      ? {
          ...op,
          run: async (ctx, input) => {
            try {
              return await op.run(ctx, input);
            } finally {
              pressure.rescan();
            }
          },
        }
      : op,
  );
}
