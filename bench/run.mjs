#!/usr/bin/env node
/**
 * @module The bench's entry point: `npm run bench` (quick), or
 * `node bench/run.mjs --full | --smoke | --scale ...`. Starts each server in
 * turn on loopback, seeds it, drives every workload at each concurrency with
 * the same load generator, measures the server's own CPU per operation, and
 * writes bench/results/<name>.md and .json. See bench/README.md.
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { runLoad } from './load.mjs';
import { cpuSample, cpuDelta, memory, diskUsage, procAvailable, machineBusyNs } from './proc.mjs';
import { call, closeSetupAgent, rawRequest, describeError } from './protocol.mjs';
import {
  SERVERS,
  SERVER_NAMES,
  startServer,
  removeDataDir,
  cleanupAll,
  serverVersion,
  defineServer,
  defineBaseServer,
  definePostgresBaseServer,
  workersServerName,
  BENCH_DIR,
} from './servers.mjs';
import {
  WORKLOADS,
  WORKLOAD_NAMES,
  TABLE,
  seedPlan,
  seedBodies,
  workloadBodies,
  buildRequests,
  checkWorkload,
  createTable,
  scaleBatchBody,
  scaleBatchJson,
  scaleReadBodies,
} from './workloads.mjs';
import { addRatios, judgeTargets, toMarkdown, writeResults, readBaseline } from './report.mjs';

const HELP = `Usage: node bench/run.mjs [mode] [options]     (npm run bench = build + quick)

Modes:
  --quick            (default) every workload at concurrency 1 and 64, short cells; < 60 s
  --full             10 s cells after 2 s warm-up, all servers, plus the 1M-item scale run
  --smoke            ~5 s, ceiling + openddb-mem only; fails only if the harness breaks
Options:
  --servers a,b      from: ${SERVER_NAMES.join(', ')},
                     openddb-disk-w<N> (serve --workers N)
  --workers 1,2|auto openddb-disk at each worker count, one column each (openddb-disk, openddb-disk-w2, ...);
                     auto = 1, 2, 4, ... up to the cores. Replaces openddb-disk in the server list (default: 1)
  --base-cli FILE    adds openddb-disk-base, openddb-disk run from another build's dist/openddb.mjs, beside openddb-disk
  --pg-base-cli FILE makes openddb-postgres-base known: openddb-postgres from another build (list it in --servers)
  --jvm-warmup N     requests per workload a JVM server (DynamoDB Local) runs unmeasured first (default 20000)
  --workloads a,b    from: ${WORKLOAD_NAMES.join(', ')}
  --concurrency 1,64
  --duration S       measured seconds per cell      --warmup S   warm-up seconds per cell
  --retries N        re-run a cell up to N times while other processes take > 0.3 core (full: 1)
  --scale            add the scale run (full mode has it already; --no-scale drops it)
  --scale-only       only the scale run
  --scale-items N    items to load (default 1000000)
  --scale-servers a,b  (default openddb-disk, plus dynalite-disk in full mode)
  --scale-cap S      stop loading a server after S seconds (default 300; dynalite/moto 120)
  --out NAME         write bench/results/NAME.md and .json (default: latest, or full for --full)
  --compare FILE     add a change column against an earlier results JSON
`;

function parseArgs(argv) {
  const o = { mode: 'quick' };
  const val = (i) => {
    if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
    return argv[i + 1];
  };
  const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--quick':
      case '--full':
      case '--smoke':
        o.mode = a.slice(2);
        break;
      case '--servers': o.servers = list(val(i++)); break;
      case '--workloads': o.workloads = list(val(i++)); break;
      case '--concurrency': o.concurrency = list(val(i++)).map(Number); break;
      case '--duration': o.durationMs = Number(val(i++)) * 1000; break;
      case '--warmup': o.warmupMs = Number(val(i++)) * 1000; break;
      case '--scale': o.scale = true; break;
      case '--no-scale': o.scale = false; break;
      case '--scale-only': o.scale = true; o.scaleOnly = true; break;
      case '--scale-items': o.scaleItems = Number(val(i++)); break;
      case '--scale-servers': o.scaleServers = list(val(i++)); break;
      case '--scale-cap': o.scaleCapMs = Number(val(i++)) * 1000; break;
      case '--retries': o.retries = Number(val(i++)); break;
      case '--workers': o.workers = parseWorkers(val(i++)); break;
      case '--jvm-warmup': o.jvmWarmRequests = Number(val(i++)); break;
      case '--base-cli': o.baseCli = val(i++); break;
      case '--pg-base-cli': definePostgresBaseServer(val(i++)); break;
      case '--out': o.out = val(i++); break;
      case '--compare': o.compare = val(i++); break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  for (const s of [...(o.servers ?? []), ...(o.scaleServers ?? [])]) if (!defineServer(s)) throw new Error(`unknown server ${s}`);
  for (const n of o.workers ?? []) defineServer(workersServerName(n));
  if (o.baseCli) defineBaseServer(o.baseCli);
  if (o.jvmWarmRequests !== undefined && !(o.jvmWarmRequests >= 0)) throw new Error('bad --jvm-warmup');
  for (const w of o.workloads ?? []) if (!WORKLOADS[w]) throw new Error(`unknown workload ${w}`);
  for (const c of o.concurrency ?? []) if (!(c >= 1 && c <= 1024)) throw new Error(`bad concurrency ${c}`);
  return o;
}

/** `1,2` or `auto` (1, 2, 4, ... and the core count itself). */
function parseWorkers(text) {
  if (text === 'auto') {
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const out = [];
    for (let n = 1; n < cores; n *= 2) out.push(n);
    out.push(cores);
    return out;
  }
  const out = text.split(',').map((x) => Number(x.trim()));
  for (const n of out) if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`bad worker count ${n} in --workers ${text}`);
  return [...new Set(out)].sort((a, b) => a - b);
}

/**
 * The server list with openddb-disk replaced by one server per worker count
 * (added first if it was not listed), and openddb-disk-base before them.
 */
function withWorkers(servers, workers, base) {
  if (!workers && !base) return servers;
  const names = [...(base ? ['openddb-disk-base'] : []), ...(workers ?? [1]).map(workersServerName)];
  const at = servers.findIndex((s) => s === 'openddb-disk' || names.includes(s));
  const rest = servers.filter((s) => s !== 'openddb-disk' && !names.includes(s));
  if (at < 0) return [...names, ...rest];
  const before = servers.slice(0, at).filter((s) => rest.includes(s));
  return [...before, ...names, ...rest.slice(before.length)];
}

/** Defaults per mode; flags override them. */
function config(o) {
  const modes = {
    smoke: {
      servers: ['ceiling', 'openddb-mem'],
      durationMs: 100,
      warmupMs: 30,
      scale: false,
    },
    quick: {
      servers: ['openddb-disk', 'openddb-mem', 'dynalite-mem', 'moto', 'ceiling'],
      durationMs: 500,
      c1DurationMs: 300,
      warmupMs: 50,
      // Short cells would measure the JIT warming up: first every workload runs briefly, unmeasured.
      warmPassMs: 150,
      scale: false,
      // moto is ~50× slower to seed and serve: in quick mode it runs only what the targets compare.
      moto: { workloads: ['put', 'get', 'update', 'query'], concurrency: [64], durationMs: 300, warmupMs: 100 },
    },
    full: {
      servers: SERVER_NAMES,
      durationMs: 10_000,
      warmupMs: 2000,
      // On a shared machine: re-run a cell once if other processes took > 0.3 of a core during it.
      retries: 1,
      scale: true,
      moto: { durationMs: 3000, warmupMs: 1000 },
    },
  };
  const m = modes[o.mode];
  const c = {
    mode: o.mode,
    servers: withWorkers(o.servers ?? m.servers, o.workers, o.baseCli),
    workers: o.workers,
    workloads: o.workloads ?? WORKLOAD_NAMES,
    concurrency: o.concurrency ?? [1, 64],
    durationMs: o.durationMs ?? m.durationMs,
    c1DurationMs: o.durationMs ?? m.c1DurationMs ?? m.durationMs,
    warmupMs: o.warmupMs ?? m.warmupMs,
    warmPassMs: o.warmupMs !== undefined ? 0 : (m.warmPassMs ?? 0),
    retries: o.retries ?? m.retries ?? 0,
    // HotSpot compiles a method with C2 after some 5,000-15,000 calls; V8 optimizes sooner (measured: bench/README.md).
    jvmWarm: { requests: o.jvmWarmRequests ?? 20_000, maxMs: 15_000 },
    // moto's shorter cells hold unless the caller chose durations; its subset unless they chose workloads.
    moto: {
      ...(o.durationMs || o.warmupMs ? {} : { durationMs: m.moto?.durationMs, warmupMs: m.moto?.warmupMs }),
      ...(o.workloads || o.concurrency ? {} : { workloads: m.moto?.workloads, concurrency: m.moto?.concurrency }),
    },
    scale: o.scale ?? m.scale,
    scaleOnly: !!o.scaleOnly,
    scaleItems: o.scaleItems ?? 1_000_000,
    scaleServers: o.scaleServers ?? (o.mode === 'full' ? ['openddb-disk', 'dynalite-disk'] : ['openddb-disk']),
    scaleCapMs: o.scaleCapMs,
    out: o.out ?? (o.mode === 'full' ? 'full' : 'latest'),
    compare: o.compare,
  };
  if (c.moto.durationMs && !o.durationMs) c.moto.durationMs = Math.min(c.moto.durationMs, c.durationMs);
  return c;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (s) => process.stderr.write(`${s}\n`);

/**
 * The database statements a server has sent (openddb_storage_round_trips_total
 * in /metrics; openddb on PostgreSQL only), summed over its worker
 * processes: each scrape, on a fresh connection, reaches one worker, so it
 * scrapes until every worker was seen. Undefined when the server has no such counter.
 */
async function roundTrips(srv) {
  const perWorker = new Map();
  for (let i = 0; i < 8 * (SERVERS[srv.name].workers ?? 1) && perWorker.size < (SERVERS[srv.name].workers ?? 1); i++) {
    const text = await new Promise((resolve) => {
      http
        .get({ host: '127.0.0.1', port: srv.port, path: '/metrics', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(body));
        })
        .on('error', () => resolve(''));
    });
    for (const m of text.matchAll(/^openddb_storage_round_trips_total(\{[^}]*\})? (\d+)/gm)) perWorker.set(m[1] ?? '', Number(m[2]));
  }
  return perWorker.size === 0 ? undefined : [...perWorker.values()].reduce((a, b) => a + b, 0);
}

/** CPU of the server's process tree and, for openddb on PostgreSQL, of the database's (postmaster and backends). */
function serverCpuSample(srv) {
  return { server: cpuSample(srv.pid), db: srv.dbPid === undefined ? undefined : cpuSample(srv.dbPid) };
}

function serverCpuDelta(before, after) {
  const cpu = cpuDelta(before.server, after.server);
  if (before.db === undefined || after.db === undefined) return cpu;
  const db = cpuDelta(before.db, after.db);
  return { ...cpu, ns: cpu.ns + db.ns, dbNs: db.ns };
}

/** One measured cell: warm-up, then a timed run with server CPU sampled at both ends. */
async function measureOnce(srv, requests, concurrency, durationMs, warmupMs) {
  if (warmupMs > 0) await runLoad({ port: srv.port, connections: concurrency, requests, durationMs: warmupMs });
  let before;
  let after;
  let busy0;
  let busy1;
  const trips0 = srv.dbPid === undefined ? undefined : await roundTrips(srv);
  const r = await runLoad({
    port: srv.port,
    connections: concurrency,
    requests,
    durationMs,
    onStart: () => {
      before = serverCpuSample(srv);
      busy0 = machineBusyNs();
    },
    onEnd: () => {
      busy1 = machineBusyNs();
      after = serverCpuSample(srv);
    },
  });
  const trips1 = trips0 === undefined ? undefined : await roundTrips(srv);
  const cpu = serverCpuDelta(before, after);
  // What the rest of the machine (other processes, interrupts) used meanwhile, in cores.
  const otherShare = Math.max(0, (busy1 - busy0 - cpu.ns - r.clientCpuUs * 1000) / 1e6 / r.elapsedMs);
  const trips = trips0 === undefined || trips1 === undefined ? undefined : trips1 - trips0;
  return { r, cpu, otherShare, processes: after.server.pids + (after.db?.pids ?? 0), trips };
}

/** measureOnce, retried while other processes disturb it; keeps the least disturbed attempt. */
async function measure(srv, requests, concurrency, durationMs, warmupMs, retries = 0) {
  let best;
  for (let attempt = 0; attempt <= retries; attempt++) {
    const m = await measureOnce(srv, requests, concurrency, durationMs, warmupMs);
    if (!best || m.otherShare < best.otherShare) best = { ...m, attempts: attempt + 1 };
    if (m.otherShare < 0.3) break;
  }
  return best;
}

function cellFrom(base, { r, cpu, otherShare, attempts, processes, trips }, itemsPerOp) {
  const cpuUs = cpu.ns / 1000;
  return {
    ...base,
    // openddb on PostgreSQL: the database's part of cpuUsPerOp, and statements sent per operation.
    ...(cpu.dbNs === undefined ? {} : { dbCpuUsPerOp: r.ok ? cpu.dbNs / 1000 / r.ok : NaN }),
    ...(trips === undefined ? {} : { roundTripsPerOp: r.ok ? trips / r.ok : NaN }),
    status: r.ok > 0 ? 'ok' : 'failed',
    reason: r.ok > 0 ? undefined : r.firstError || 'no answers',
    opsPerSec: r.opsPerSec,
    itemsPerSec: itemsPerOp ? r.opsPerSec * itemsPerOp : undefined,
    p50Us: r.latencyUs.p50,
    p90Us: r.latencyUs.p90,
    p99Us: r.latencyUs.p99,
    maxUs: r.latencyUs.max,
    ops: r.ok,
    errorCount: r.errorCount,
    firstError: r.firstError,
    elapsedMs: r.elapsedMs,
    cpuUsPerOp: r.ok ? cpuUs / r.ok : NaN,
    cpuSource: cpu.source,
    // How many processes the server CPU was summed over (a primary and its workers).
    processes,
    // Each process's share of that CPU (the primary first): how evenly the kernel spread the connections.
    cpuSplit: cpu.split?.length ? cpu.split : undefined,
    serverCpuShare: cpuUs / 1000 / r.elapsedMs,
    clientCpuUsPerOp: r.ok ? r.clientCpuUs / r.ok : NaN,
    clientCpuShare: r.clientCpuUs / 1000 / r.elapsedMs,
    otherCpuShare: otherShare,
    attempts,
  };
}

/**
 * Loads a list of BatchWriteItem bodies exactly once each; throws with the
 * first error. A server without BatchWriteItem is seeded item by item with
 * PutItem instead, so its other workloads can still be measured; the
 * returned note says so.
 */
async function seed(port, bodies, connections) {
  let note = '';
  let requests;
  const probe = await call(port, 'BatchWriteItem', bodies[0]);
  if (probe.status === 200) {
    requests = buildRequests(port, bodies.slice(1).map((body) => ({ target: 'BatchWriteItem', body })));
  } else {
    note = `seeded with PutItem (BatchWriteItem: ${describeError(probe.body)})`;
    const items = bodies.flatMap((b) => b.RequestItems[TABLE].map((r) => r.PutRequest.Item));
    requests = buildRequests(port, items.map((Item) => ({ target: 'PutItem', body: { TableName: TABLE, Item } })));
  }
  let next = 0;
  let unprocessed = 0;
  const r = await runLoad({
    port,
    // Enough in flight for a durable store's group commit; moto runs a thread per connection.
    connections,
    next: () => (next < requests.length ? requests[next++] : null),
    durationMs: 120_000,
    inspect: (status, body) => {
      if (status === 200 && !note && !/"UnprocessedItems"\s*:\s*\{\s*\}/.test(body.latin1Slice())) unprocessed++;
    },
  });
  if (r.errorCount || r.ok !== requests.length) throw new Error(`seeding: ${r.ok}/${requests.length} requests ok; ${r.firstError}`);
  if (unprocessed) throw new Error(`seeding: ${unprocessed} batches left UnprocessedItems`);
  return note;
}

/** Runs every workload against one server; returns its startup record and cells. */
async function benchServer(name, cfg) {
  const isMoto = name === 'moto';
  const def = SERVERS[name];
  const workloads = isMoto && cfg.moto.workloads ? cfg.workloads.filter((w) => cfg.moto.workloads.includes(w)) : cfg.workloads;
  const concurrency = isMoto && cfg.moto.concurrency ? cfg.concurrency.filter((c) => cfg.moto.concurrency.includes(c)) : cfg.concurrency;
  const durationMs = isMoto ? (cfg.moto.durationMs ?? cfg.durationMs) : cfg.durationMs;
  const warmupMs = isMoto ? (cfg.moto.warmupMs ?? cfg.warmupMs) : cfg.warmupMs;
  const cells = [];
  const allCells = (status, reason) => {
    for (const workload of cfg.workloads) for (const c of cfg.concurrency) cells.push({ workload, concurrency: c, server: name, status, reason });
  };
  const startup = { server: name, label: SERVERS[name].label };

  let srv;
  try {
    srv = await startServer(name);
  } catch (e) {
    allCells('not available', e.message);
    return { startup: { ...startup, status: 'failed', reason: e.message }, cells };
  }
  log(
    `  ${name}: pid ${srv.pid}, port ${srv.port}, ready in ${srv.coldStartMs.toFixed(0)} ms` +
      (srv.workersReadyMs ? `, ${def.workers} workers up by ${srv.workersReadyMs.toFixed(0)} ms` : ''),
  );
  await sleep(cfg.mode === 'full' ? 1000 : 200);
  Object.assign(startup, { status: 'ok', pid: srv.pid, coldStartMs: srv.coldStartMs, idleRssMB: memory(srv.pid).rssMB });
  if (srv.workersReadyMs) startup.workersReadyMs = srv.workersReadyMs;
  const notes = [];

  const plan = seedPlan(cfg.mode, name);
  try {
    await createTable(srv.port);
    const t = performance.now();
    const note = await seed(srv.port, [...seedBodies(plan)], isMoto ? 4 : 16);
    if (note) notes.push(note);
    log(`  ${name}: seeded ${plan.partitions * 10 + plan.counters} items in ${(performance.now() - t).toFixed(0)} ms ${note}`);
  } catch (e) {
    const reason = `setup failed: ${e.message}`;
    allCells('not available', reason);
    startup.note = [...notes, reason].join('; ');
    startup.finalRssMB = memory(srv.pid).rssMB;
    await srv.stop();
    removeDataDir(srv.dataDir);
    return { startup, cells };
  }

  // Prepare and check every workload first, so the warm-up pass can run them all.
  const prepared = [];
  for (const workload of cfg.workloads) {
    const wl = WORKLOADS[workload];
    const skip = (status, reason) => {
      for (const c of cfg.concurrency) cells.push({ workload, concurrency: c, server: name, status, reason });
    };
    if (!workloads.includes(workload)) {
      skip('skipped', 'not run for moto in quick mode (see --full)');
      continue;
    }
    if (wl.transactional && !def.transactions) {
      skip('n/a', name.startsWith('dynalite') ? 'dynalite has no TransactWriteItems' : 'compared on openddb only');
      continue;
    }
    const bodies = workloadBodies(workload, plan, cfg.mode === 'smoke' ? 1 / 16 : 1);
    let problem;
    try {
      problem = await checkWorkload(srv.port, workload, bodies);
    } catch (e) {
      problem = e.message;
    }
    if (problem) {
      skip('failed', problem);
      log(`  ${name} ${workload}: ${problem}`);
      continue;
    }
    prepared.push({ workload, wl, requests: buildRequests(srv.port, bodies) });
  }
  if (def.jvm && cfg.jvmWarm.requests > 0 && cfg.mode !== 'smoke') {
    // A JVM interprets, then compiles (C1, then C2) what runs often: its early requests cost several times its
    // later ones. Every workload first runs unmeasured for a number of requests, not a time, so a slow start
    // cannot shorten its own warm-up.
    const t = performance.now();
    let sent = 0;
    for (const p of prepared) {
      const r = await runLoad({ port: srv.port, connections: 64, requests: p.requests, maxRequests: cfg.jvmWarm.requests, durationMs: cfg.jvmWarm.maxMs });
      sent += r.ok;
    }
    const s = ((performance.now() - t) / 1000).toFixed(1);
    notes.push(`JVM warm-up: ${sent.toLocaleString('en-US')} requests unmeasured over ${prepared.length} workloads (${s} s)`);
    log(`  ${name}: ${notes.at(-1)}`);
  } else if (cfg.warmPassMs > 0 && !isMoto) {
    // Each worker process warms its own JIT on its share of the connections: N workers get N times the pass.
    const ms = cfg.warmPassMs * (def.workers ?? 1);
    for (const p of prepared) await runLoad({ port: srv.port, connections: 64, requests: p.requests, durationMs: ms });
  }

  for (const { workload, wl, requests } of prepared) {
    for (const c of cfg.concurrency) {
      const base = { workload, concurrency: c, server: name };
      if (!concurrency.includes(c)) {
        cells.push({ ...base, status: 'skipped', reason: 'not run for moto in quick mode' });
        continue;
      }
      if (srv.proc.exitCode !== null || srv.proc.signalCode !== null) {
        cells.push({ ...base, status: 'failed', reason: `server exited: ${srv.logTail()}` });
        continue;
      }
      const dur = isMoto ? durationMs : c === 1 ? cfg.c1DurationMs : durationMs;
      const cell = cellFrom(base, await measure(srv, requests, c, dur, warmupMs, cfg.retries), wl.itemsPerOp);
      cells.push(cell);
      log(
        `  ${name.padEnd(13)} ${workload.padEnd(8)} c${String(c).padEnd(3)} ` +
          `${Math.round(cell.opsPerSec).toString().padStart(7)} ops/s  p99 ${(cell.p99Us / 1000).toFixed(2)} ms  ` +
          `${cell.cpuUsPerOp.toFixed(1)} µs CPU/op  (others ${cell.otherCpuShare.toFixed(2)} core)` +
          (cell.roundTripsPerOp === undefined ? '' : `  ${cell.roundTripsPerOp.toFixed(2)} round trips/op, database ${cell.dbCpuUsPerOp.toFixed(1)} µs/op`) +
          `${cell.errorCount ? `  ${cell.errorCount} errors: ${cell.firstError.slice(0, 120)}` : ''}`,
      );
    }
  }
  startup.finalRssMB = memory(srv.pid).rssMB;
  if (notes.length) startup.note = notes.join('; ');
  await srv.stop();
  removeDataDir(srv.dataDir);
  return { startup, cells };
}

/** Loads N items through BatchWriteItem, then measures size, memory, reads and restart. */
async function scaleRun(name, cfg) {
  const rec = { server: name, status: 'ok', notes: [] };
  const capMs = cfg.scaleCapMs ?? (name.startsWith('openddb') ? 300_000 : 120_000);
  let srv;
  try {
    srv = await startServer(name);
    await createTable(srv.port);
  } catch (e) {
    await srv?.stop();
    return { ...rec, status: 'not available', reason: e.message };
  }
  const total = cfg.scaleItems;
  const batches = Math.ceil(total / 25);
  let nextBatch = 0;
  let unprocessed = 0;
  const port = srv.port;
  let before;
  let after;
  log(`  ${name}: loading ${total.toLocaleString('en-US')} items (cap ${capMs / 1000} s)`);
  const r = await runLoad({
    port,
    connections: 32,
    durationMs: capMs,
    maxRequests: batches,
    next: () => {
      if (nextBatch >= batches) return null;
      const first = nextBatch++ * 25;
      return rawRequest(port, 'BatchWriteItem', scaleBatchJson(first, Math.min(25, total - first)));
    },
    inspect: (status, body) => {
      if (status === 200 && !/"UnprocessedItems"\s*:\s*\{\s*\}/.test(body.latin1Slice())) unprocessed++;
    },
    onStart: () => {
      before = serverCpuSample(srv);
    },
    onEnd: () => {
      after = serverCpuSample(srv);
    },
  });
  if (r.ok === 0) {
    await srv.stop();
    removeDataDir(srv.dataDir);
    return { ...rec, status: 'failed', reason: r.firstError || 'no batch answered' };
  }
  const loaded = Math.min(total, r.ok * 25);
  Object.assign(rec, {
    itemsLoaded: loaded,
    loadSeconds: r.elapsedMs / 1000,
    itemsPerSec: (loaded * 1000) / r.elapsedMs,
    cpuUsPerItem: serverCpuDelta(before, after).ns / 1000 / loaded,
    loadP99Us: r.latencyUs.p99,
    clientCpuShare: r.clientCpuUs / 1000 / r.elapsedMs,
  });
  if (r.ok < batches) rec.notes.push(`stopped at the ${capMs / 1000} s cap`);
  rec.notes.push(`load generator busy ${Math.round(rec.clientCpuShare * 100)}% of a core while loading`);
  if (r.errorCount) rec.notes.push(`${r.errorCount} failed batches (${r.firstError.slice(0, 100)})`);
  if (unprocessed) rec.notes.push(`${unprocessed} batches left UnprocessedItems`);
  log(`  ${name}: ${loaded.toLocaleString('en-US')} items in ${rec.loadSeconds.toFixed(1)} s = ${Math.round(rec.itemsPerSec)} items/s`);

  // Reads on the loaded table (the page cache is warm; restart comes after).
  for (const kind of ['get', 'query']) {
    const requests = buildRequests(port, scaleReadBodies(kind, loaded));
    for (const c of [1, 64]) {
      const m = await measure(srv, requests, c, cfg.durationMs, Math.max(cfg.warmupMs, 500));
      rec[`${kind}${c}`] = m.r.opsPerSec;
      if (c === 64) rec[`${kind}P99Us`] = m.r.latencyUs.p99;
      if (c === 1) rec[`${kind}P50UsC1`] = m.r.latencyUs.p50;
      if (m.r.errorCount) rec.notes.push(`${kind} c${c}: ${m.r.errorCount} errors (${m.r.firstError.slice(0, 80)})`);
    }
  }
  const mem = memory(srv.pid);
  Object.assign(rec, { rssMB: mem.rssMB, hwmMB: mem.hwmMB, anonMB: mem.anonMB, fileMB: mem.fileMB });
  if (SERVERS[name].postgres) rec.notes.push('data in PostgreSQL: RSS and disk figures are openddb\'s alone; load CPU includes the database\'s');
  else if (srv.dataDir) Object.assign(rec, diskUsage(srv.dataDir));

  if (SERVERS[name].durable) {
    // A crash, then a restart on the same files: time until ListTables answers.
    await srv.kill();
    try {
      srv = await startServer(name, { dataDir: srv.dataDir });
      rec.restartMs = srv.coldStartMs;
      rec.restartRssMB = memory(srv.pid).rssMB;
      rec.notes.push(`RSS right after restart ${rec.restartRssMB.toFixed(0)} MB`);
      const firstKey = scaleBatchBody(0, 1).RequestItems[TABLE][0].PutRequest.Item;
      const lastKey = scaleBatchBody(loaded - 1, 1).RequestItems[TABLE][0].PutRequest.Item;
      for (const item of [firstKey, lastKey]) {
        const res = await call(srv.port, 'GetItem', { TableName: TABLE, Key: { pk: item.pk, sk: item.sk } });
        if (res.status !== 200 || !res.body?.Item) rec.notes.push(`after restart, ${item.pk.S}/${item.sk.S} missing: ${describeError(res.body)}`);
      }
    } catch (e) {
      rec.notes.push(`restart failed: ${e.message.slice(0, 200)}`);
    }
  } else {
    rec.notes.push('not durable: no restart');
  }
  await srv.stop();
  removeDataDir(srv.dataDir);
  return rec;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e.message}\n\n${HELP}`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(HELP);
    return;
  }
  if (!procAvailable) throw new Error('this bench reads server CPU from /proc: Linux only');
  const cfg = config(opts);
  const t0 = performance.now();
  const meta = {
    mode: cfg.mode,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.versions.node,
    kernel: os.release(),
    loadAvg: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    client: 'bench/load.mjs, a raw-socket keep-alive HTTP/1.1 client (one request in flight per connection) replaying pre-built SigV4-signed requests',
    durationMs: cfg.durationMs,
    c1DurationMs: cfg.c1DurationMs,
    warmupMs: cfg.warmupMs,
    warmPassMs: cfg.warmPassMs,
    timing:
      (cfg.warmPassMs ? `Each server first runs every workload unmeasured for ${cfg.warmPassMs} ms (JIT warm-up); then each cell: ` : 'Each cell: ') +
      `${cfg.warmupMs} ms warm-up, then ${cfg.c1DurationMs !== cfg.durationMs ? `${cfg.c1DurationMs} ms (c1) or ` : ''}${cfg.durationMs} ms measured` +
      (cfg.moto.durationMs ? `; moto ${cfg.moto.warmupMs} + ${cfg.moto.durationMs} ms${cfg.moto.workloads ? `, ${cfg.moto.workloads.join('/')} at c${cfg.moto.concurrency.join(',')} only` : ''}` : '') +
      (cfg.retries ? `; a cell during which other processes took > 0.3 core is re-run (up to ${cfg.retries}×) and the least disturbed run kept` : '') +
      (cfg.servers.some((n) => SERVERS[n].jvm) && cfg.jvmWarm.requests > 0 && cfg.mode !== 'smoke'
        ? `; a JVM server first runs every workload unmeasured for ${cfg.jvmWarm.requests.toLocaleString('en-US')} requests at c64 (at most ${cfg.jvmWarm.maxMs / 1000} s each) instead of the warm pass`
        : ''),
    workers: cfg.workers,
    servers: Object.fromEntries(
      [...new Set([...(cfg.scaleOnly ? [] : cfg.servers), ...(cfg.scale ? cfg.scaleServers : [])])].map((s) => [
        s,
        `${SERVERS[s].label}, ${serverVersion(s)}`,
      ]),
    ),
  };
  log(`openddb bench (${cfg.mode}): ${meta.cpus} cores shared by servers and load generator`);

  const result = { meta, startup: [], cells: [], scale: [] };
  if (!cfg.scaleOnly) {
    for (const name of cfg.servers) {
      log(`${name}:`);
      const { startup, cells } = await benchServer(name, cfg);
      if (startup.status !== 'ok') log(`  not available: ${startup.reason}`);
      result.startup.push(startup);
      result.cells.push(...cells);
    }
  }
  if (cfg.scale) {
    for (const name of cfg.scaleServers) {
      log(`scale run, ${name}:`);
      const rec = await scaleRun(name, cfg);
      if (rec.status !== 'ok') log(`  not available: ${rec.reason}`);
      result.scale.push(rec);
    }
  }
  addRatios(result.cells);
  result.targets = judgeTargets(result);
  meta.totalSeconds = Math.round((performance.now() - t0) / 100) / 10;

  const baseline = cfg.compare ? readBaseline(cfg.compare) : undefined;
  const markdown = toMarkdown(result, { baseline });
  // Smoke runs write to a temp dir: CI must not leave files in the work tree.
  const dir = cfg.mode === 'smoke' ? mkdtempSync(path.join(os.tmpdir(), 'openddb-bench-smoke-')) : path.join(BENCH_DIR, 'results');
  const files = writeResults(dir, cfg.out, result, markdown);
  process.stdout.write(markdown);
  if (cfg.mode === 'smoke') {
    rmSync(dir, { recursive: true, force: true });
    log(`\nsmoke: report written and removed (${meta.totalSeconds} s in all)`);
  } else {
    log(`\nwrote ${files.md} and ${files.json} (${meta.totalSeconds} s in all)`);
  }

  if (cfg.mode === 'smoke') {
    // The ceiling is part of the harness: if it cannot be measured, the harness is broken.
    const broken = result.cells.filter((c) => c.server === 'ceiling' && c.status !== 'ok' && c.status !== 'n/a');
    if (broken.length) {
      log(`smoke: harness broken: ${broken.map((c) => `${c.workload} c${c.concurrency}: ${c.reason}`).join('; ')}`);
      process.exitCode = 1;
    }
  }
}

main()
  .catch((e) => {
    log(`bench failed: ${e.stack ?? e}`);
    process.exitCode = 1;
  })
  .finally(() => {
    closeSetupAgent();
    cleanupAll();
  });
