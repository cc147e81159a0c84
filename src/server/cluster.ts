/**
 * @module server/cluster
 * `--workers N` (startServer's `workers`): N server processes on one port
 * and one data directory, each a whole openddb server (its own engine
 * handle, catalog cache, HTTP front end), under a small primary process
 * that only starts, restarts and stops them (docs/architecture.md,
 * "Many processes").
 *
 * - node:cluster with SCHED_NONE: the primary binds the listening socket
 *   once and hands it to every worker; each worker accepts on it and the
 *   kernel spreads connections. (Round-robin would pass every connection
 *   through the primary: one more hop and a single-core bottleneck.)
 * - Everything workers share lives in the store, so a worker holds nothing
 *   another needs: the catalog is revalidated from the store, background
 *   work is owned through leases (data/leases), stream sequence numbers
 *   come from the engine. A worker that dies loses only its in-flight
 *   requests (their connections close unanswered); whatever it acknowledged
 *   was durable before it answered.
 * - A worker that dies (killed by a signal, or exiting non-zero) is
 *   restarted, after a pause that doubles with each quick successive death
 *   (100 ms up to 10 s) and resets once a worker has run for 10 s; each
 *   death and restart is logged. A worker that exits by itself with code
 *   0 (it was told to stop) is not restarted.
 * - Stopping: close() (the CLI calls it on SIGINT/SIGTERM) tells every
 *   worker to shut down gracefully, as a single server does, and waits; a
 *   worker still running after 10 s is killed. A worker whose primary is
 *   gone (its IPC channel closes) shuts itself down.
 *
 * Workers receive their options as JSON in the environment (OPENDDB_WORKER)
 * and report readiness, failures and log lines over the IPC channel.
 */
// Static, not import(): the bundled bin runs in a vm.Script, which has no
// dynamic import of Node's own modules; this module itself loads lazily.
import cluster, { type Worker } from 'node:cluster';
import type { StartServerOptions } from './start-server.js';

/** The environment variable that makes a forked process a worker, holding its options. */
export const WORKER_ENV = 'OPENDDB_WORKER';

/** A worker's options: what survives JSON (no clock, no log function, never in memory). */
export type WorkerOptions = Omit<StartServerOptions, 'clock' | 'log' | 'workers' | 'inMemory' | 'workerScript'>;

export interface ClusterOptions {
  readonly workers: number;
  readonly server: WorkerOptions;
  /** The script each worker runs: the CLI's own bin, or cluster-worker.js for the library. */
  readonly exec: string;
  readonly args?: readonly string[];
  readonly log: (line: string) => void;
}

export interface RunningCluster {
  /** e.g. http://127.0.0.1:8000 */
  readonly url: string;
  readonly port: number;
  /** With `tlsPort`: the HTTPS listener's URL and port, beside the plain one. */
  readonly tlsUrl?: string;
  readonly tlsPort?: number;
  /** The process ids of the workers running now. */
  readonly workerPids: readonly number[];
  /** Resolves when every worker has stopped (after close(), or when they all exited by themselves). */
  readonly stopped: Promise<void>;
  /** Stops every worker gracefully and waits for them. */
  close(): Promise<void>;
}

type FromWorker =
  | { readonly type: 'ready'; readonly url: string; readonly port: number; readonly tlsUrl?: string; readonly tlsPort?: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'log'; readonly line: string };

const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that ran this long before dying restarts after the shortest pause again. */
const STABLE_AFTER_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

interface Slot {
  /** 1-based, stable across restarts: "worker 2". */
  readonly number: number;
  worker: Worker | undefined;
  startedAt: number;
  quickDeaths: number;
  restartTimer: NodeJS.Timeout | undefined;
}

export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  // Must be set before the first fork; the kernel spreads connections.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const log = options.log;
  let server = options.server;
  /** The port the workers listen on (differs from server.port when that asked for any free port, 0). */
  let boundPort = 0;
  const slots: Slot[] = [];
  let stopping = false;
  /** Until every first worker is ready, a death is the start failing (startCluster rejects), not a crash to recover from. */
  let started = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const fork = (slot: Slot): Worker => {
    cluster.setupPrimary({ exec: options.exec, args: [...(options.args ?? [])], silent: false });
    // Each worker answers /metrics for itself: its series carry its number.
    const labels = { ...server.metricsLabels, worker: String(slot.number) };
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify({ ...server, metricsLabels: labels }) });
    slot.worker = worker;
    slot.startedAt = performance.now();
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'log') log(workerLine(slot.number, message.line));
    });
    worker.once('exit', (code, signal) => onExit(slot, worker, code, signal));
    return worker;
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null): void => {
    if (slot.worker === worker) slot.worker = undefined;
    if (stopping) {
      if (slots.every((s) => s.worker === undefined)) resolveStopped();
      return;
    }
    if (!started) return;
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    if (signal === null && code === 0) {
      log(`openddb: worker ${slot.number} (pid ${worker.process.pid}) stopped; not restarting it`);
      if (slots.every((s) => s.worker === undefined && s.restartTimer === undefined)) resolveStopped();
      return;
    }
    if (performance.now() - slot.startedAt >= STABLE_AFTER_MS) slot.quickDeaths = 0;
    const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** slot.quickDeaths);
    slot.quickDeaths++;
    log(`openddb: worker ${slot.number} (pid ${worker.process.pid}) ${how}; its in-flight requests failed; restarting it in ${delay} ms`);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (stopping) return;
      // node:cluster shares one listening socket per (address, port asked
      // for): while another worker holds it, ask for the same port as it
      // did (0 included); with none left the socket is closed, and the
      // port the first workers got is asked for by number.
      if (!slots.some((s) => s.worker !== undefined)) server = { ...server, port: boundPort };
      const next = fork(slot);
      void whenReady(next).then(
        () => log(`openddb: worker ${slot.number} restarted (pid ${next.process.pid})`),
        (e: unknown) => log(`openddb: worker ${slot.number} failed to restart: ${e instanceof Error ? e.message : String(e)}`),
      );
    }, delay);
  };

  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const slot of slots) {
      if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
    }
    const running = slots.map((s) => s.worker).filter((w): w is Worker => w !== undefined);
    if (running.length === 0) {
      resolveStopped();
      return stopped;
    }
    for (const worker of running) {
      if (worker.isConnected()) worker.send({ type: 'shutdown' });
      else worker.process.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      for (const worker of running) {
        if (worker.process.exitCode === null && worker.process.signalCode === null) {
          log(`openddb: worker (pid ${worker.process.pid}) did not stop within ${STOP_TIMEOUT_MS} ms; killing it`);
          worker.process.kill('SIGKILL');
        }
      }
    }, STOP_TIMEOUT_MS);
    timer.unref();
    await stopped;
    clearTimeout(timer);
  };

  for (let i = 1; i <= options.workers; i++) {
    slots.push({ number: i, worker: undefined, startedAt: 0, quickDeaths: 0, restartTimer: undefined });
  }
  // Every worker listens on the same address: with port 0, node:cluster
  // gives them all the one port the first listen picked.
  let ready: Ready[];
  try {
    ready = await Promise.all(slots.map((slot) => whenReady(fork(slot))));
  } catch (e) {
    await stopAll();
    throw e;
  }
  const first = ready[0]!;
  boundPort = first.port;
  started = true;
  let closing: Promise<void> | undefined;
  return {
    url: first.url,
    port: first.port,
    ...(first.tlsUrl !== undefined ? { tlsUrl: first.tlsUrl, tlsPort: first.tlsPort! } : {}),
    get workerPids() {
      return slots.flatMap((s) => (s.worker?.process.pid !== undefined ? [s.worker.process.pid] : []));
    },
    stopped,
    close: () => (closing ??= stopAll()),
  };
}

/**
 * A worker's log line as the primary writes it: a structured (JSON object)
 * line stays one JSON object, with the worker's number added; any other
 * line is prefixed with it.
 */
function workerLine(worker: number, line: string): string {
  if (line.startsWith('{')) {
    try {
      const fields = JSON.parse(line) as unknown;
      if (fields !== null && typeof fields === 'object' && !Array.isArray(fields)) return JSON.stringify({ ...fields, worker });
    } catch {
      // not JSON after all: prefixed below
    }
  }
  return `[worker ${worker}] ${line}`;
}

/** Resolves with the worker's address once it serves; rejects with its reason if it fails to start. */
type Ready = Omit<Extract<FromWorker, { type: 'ready' }>, 'type'>;

function whenReady(worker: Worker): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromWorker) => {
      if (message.type === 'ready') {
        done();
        const { type: _type, ...ready } = message;
        resolve(ready);
      } else if (message.type === 'failed') {
        done();
        reject(new Error(message.message));
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`worker process ${worker.process.pid} ${signal !== null ? `was killed by ${signal}` : `exited with code ${code}`} before it was ready`));
    };
    const done = () => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}

/** Whether this process was forked by startCluster to be a worker. */
export function isClusterWorker(): boolean {
  return process.env[WORKER_ENV] !== undefined;
}

/**
 * The worker's side: starts a server with the options the primary passed,
 * reports readiness (or the failure, then exits 1), and shuts down
 * gracefully when told to, on SIGINT/SIGTERM, or when the primary is gone.
 */
export async function runClusterWorker(): Promise<void> {
  const raw = process.env[WORKER_ENV];
  // Processes this one starts are not workers.
  delete process.env[WORKER_ENV];
  if (!cluster.isWorker || raw === undefined || process.send === undefined) {
    throw new Error(`${WORKER_ENV} is set, but this process was not started as an openddb worker`);
  }
  // node:cluster makes a worker whose primary went away exit at once, in
  // the middle of whatever it does. Exiting while an LMDB commit waits for
  // its callback on this thread hangs the exit forever (lmdb-js's writer
  // thread never finishes, and process exit joins it), leaving an orphan
  // that holds the port. Marked this way, cluster leaves the disconnect to
  // the handler below, which shuts down gracefully.
  cluster.worker!.exitedAfterDisconnect = true;
  const send = (message: FromWorker): void => {
    if (process.connected) process.send!(message);
  };
  const parsed = JSON.parse(raw) as WorkerOptions & { tls?: { cert: unknown; key: unknown } };
  // TLS certificate and key cross as JSON ({ type: 'Buffer', data: [...] }): bytes again here.
  const bytes = (value: unknown) => Buffer.from((value as { data: number[] }).data);
  const options: WorkerOptions =
    parsed.tls === undefined ? parsed : { ...parsed, tls: { cert: bytes(parsed.tls.cert), key: bytes(parsed.tls.key) } };
  const { startServer } = await import('./start-server.js');
  const starting = startServer({ ...options, log: (line) => send({ type: 'log', line }) });
  // Told to stop while still starting: stop once started.
  let stopping: Promise<void> | undefined;
  const stop = () => {
    if (stopping !== undefined) return stopping;
    // Whatever hangs the shutdown, the process ends (nothing acknowledged is lost: it is durable).
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), STOP_TIMEOUT_MS + 5_000);
    return (stopping = starting
      .then((server) => server.close())
      .then(
        () => process.exit(0),
        (e: unknown) => {
          process.stderr.write(`openddb worker: closing failed: ${e instanceof Error ? e.message : String(e)}\n`);
          process.exit(1);
        },
      ));
  };
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'shutdown') void stop();
  });
  process.once('disconnect', () => void stop());
  // on(), not once(): a repeated signal must not kill the worker mid-shutdown (see cli.ts).
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  let server;
  try {
    server = await starting;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const message =
      err.code === 'EADDRINUSE'
        ? `port ${options.port ?? 8000} on ${options.host ?? '127.0.0.1'} is already in use; stop the other server or choose --port`
        : err.code === 'EACCES' && err.syscall === 'listen'
          ? `no permission to listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 8000}`
          : err.message;
    send({ type: 'failed', message });
    process.exit(1);
  }
  if (stopping === undefined) {
    send({ type: 'ready', url: server.url, port: server.port, ...(server.tlsUrl !== undefined ? { tlsUrl: server.tlsUrl, tlsPort: server.tlsPort! } : {}) });
  }
}
