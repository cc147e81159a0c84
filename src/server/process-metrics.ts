/**
 * @module server/process-metrics
 * openddb's own health in the metrics, sampled at each scrape: event-loop
 * delay, resident memory, open connections, storage size on disk, and the
 * latency of storage commits (timed around every engine.commit(); for the
 * durable engine that includes its fsync, as a commit resolves only once
 * durable).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { StorageEngine } from '../storage/engine.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';

/** Commit latency buckets in seconds: an in-memory commit takes microseconds, an fsync milliseconds. */
const COMMIT_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export interface ProcessMetricsSources {
  readonly engine: StorageEngine;
  /** The LMDB directory; undefined for the in-memory engine. */
  readonly dataDir: string | undefined;
  readonly connections: () => number;
}

/** Registers the process gauges; returns a stop function for shutdown. */
export function registerProcessMetrics(metrics: ServerMetrics, sources: ProcessMetricsSources): () => void {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const lagMean = metrics.gauge('openddb_event_loop_lag_seconds', 'Mean event-loop delay since the previous scrape');
  const lagP99 = metrics.gauge('openddb_event_loop_lag_p99_seconds', '99th percentile of event-loop delay since the previous scrape');
  const lagMax = metrics.gauge('openddb_event_loop_lag_max_seconds', 'Largest event-loop delay since the previous scrape');
  const rss = metrics.gauge('openddb_process_resident_memory_bytes', 'Resident set size of this process');
  const heap = metrics.gauge('openddb_process_heap_used_bytes', 'V8 heap in use');
  const uptime = metrics.gauge('openddb_process_uptime_seconds', 'Seconds since this process started');
  const connections = metrics.gauge('openddb_http_open_connections', 'HTTP connections open now');
  const storage = sources.dataDir === undefined
    ? undefined
    : metrics.gauge('openddb_storage_size_bytes', "Size of the store's data file (LMDB's data.mdb)");
  const commits = metrics.registry
    .histogram('openddb_storage_commit_latency_seconds', 'Storage commits, from call to durable (fsync included)', [], COMMIT_BUCKETS)
    .series();

  metrics.registry.onCollect(async () => {
    // An idle loop has no samples; its histogram then reports NaN and a huge min.
    const sampled = loop.count > 0;
    lagMean.set(sampled ? loop.mean / 1e9 : 0);
    lagP99.set(sampled ? loop.percentile(99) / 1e9 : 0);
    lagMax.set(sampled ? loop.max / 1e9 : 0);
    loop.reset();
    rss.set(process.memoryUsage.rss());
    heap.set(process.memoryUsage().heapUsed);
    uptime.set(process.uptime());
    connections.set(sources.connections());
    if (storage !== undefined && sources.dataDir !== undefined) {
      try {
        storage.set((await stat(join(sources.dataDir, 'data.mdb'))).size);
      } catch {
        storage.set(0);
      }
    }
  });

  // Timing each commit: one clock read before, one when it settles.
  const engine = sources.engine;
  const timed = (commit: StorageEngine['commit']): StorageEngine['commit'] => (writes, expectations, options) => {
    const started = performance.now();
    const done = commit(writes, expectations, options);
    const observe = () => commits.observe((performance.now() - started) / 1000);
    done.then(observe, observe);
    return done;
  };
  engine.commit = timed(engine.commit.bind(engine));
  // A fenced view's commits (api/dispatcher on PostgreSQL) are commits too.
  const fenced = engine.fenced?.bind(engine);
  if (fenced !== undefined) {
    engine.fenced = (key, value) => {
      const view = fenced(key, value);
      view.commit = timed(view.commit.bind(view));
      return view;
    };
  }
  // A networked engine counts its statements: round trips to the database.
  const roundTrips = engine.roundTrips?.bind(engine);
  if (roundTrips !== undefined) {
    const counter = metrics.registry
      .counter('openddb_storage_round_trips_total', 'Statements sent to the database (PostgreSQL), each one round trip')
      .series();
    let reported = 0;
    metrics.registry.onCollect(() => {
      const now = roundTrips();
      counter.inc(now - reported);
      reported = now;
    });
  }
  return () => loop.disable();
}
