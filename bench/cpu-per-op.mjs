#!/usr/bin/env node
/**
 * @module Server CPU per operation of one openddb build against another,
 * measured in alternation: the figure issue 11's "--workers 1: CPU per op
 * within 5 % of before" is judged by.
 *
 * Throughput on this shared 2-core machine moves with everyone else's load;
 * a server's own CPU time per request (from /proc, bench/proc.mjs) moves far
 * less, and least when the builds are measured side by side: per storage,
 * every build's server runs at once (seeded alike); per workload each gets
 * `--warmup` requests unmeasured (JIT), then bursts of `--requests`
 * alternate between them (`--rounds` each, order flipped every round), so a
 * busy spell weighs on all alike. The report gives each cell's median
 * burst and the change against the first build (the base).
 *
 * One server process keeps its own level for its whole life: two started
 * from the same build measured up to ±10-15 % apart per op (2026-12-05,
 * c64, 6 pairs; callgrind counted the same instructions), more than the
 * few per cent a change is judged by. `--instances I` repeats everything
 * on I fresh sets of servers and reports the median over instances, each
 * build's change taken within each instance (whose servers ran side by
 * side) and then the median of those.
 *
 * `--callgrind` runs the servers under valgrind's callgrind and reports
 * instructions per request on the main thread (where requests are served;
 * V8's compiler and GC helpers and LMDB's writer run on other threads):
 * repeatable whatever the machine's load, ~50× slower, so use a few
 * thousand requests. Its per-function counts (callgrind_annotate) name
 * native code only; JIT-compiled JavaScript shows as addresses.
 *
 *   node bench/cpu-per-op.mjs --base-cli /tmp/perf-base/dist/openddb.mjs
 *   node bench/cpu-per-op.mjs --base-cli B --instances 6 --concurrency 64 --warmup 30000 --requests 15000 --rounds 5   (issue 11's check)
 *   node bench/cpu-per-op.mjs --base-cli B --build nometrics=/tmp/x/dist/openddb.mjs --storage disk --workloads get
 *   node bench/cpu-per-op.mjs --base-cli B --callgrind --warmup 4000 --requests 2000 --rounds 1
 *   node bench/cpu-per-op.mjs --build pitr=dist/openddb.mjs,OPENDDB_BENCH_PITR=1 --storage disk --workloads put   (PITR's cost on one build)
 *   node bench/cpu-per-op.mjs --node-args=--cpu-prof,--cpu-prof-dir=/tmp/prof   (a profile per server run)
 *   node bench/cpu-per-op.mjs --build auth=dist/openddb.mjs,--auth=bench/auth.json --storage memory --workloads get --rate 1500
 *     (the cost of --auth: the same build with and without it, both paced to the same request rate)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { SERVERS, REPO_DIR, startServer, removeDataDir, definePostgresBaseServer } from './servers.mjs';
import { cpuSample, cpuDelta, machineBusyNs } from './proc.mjs';
import { runLoad } from './load.mjs';
import { callOk } from './protocol.mjs';
import { TABLE, buildRequests, checkWorkload, createTable, seedBodies, seedPlan, workloadBodies } from './workloads.mjs';

const { values: args } = parseArgs({
  options: {
    cli: { type: 'string', default: path.join(REPO_DIR, 'dist/openddb.mjs') },
    'base-cli': { type: 'string' },
    build: { type: 'string', multiple: true },
    storage: { type: 'string', default: 'disk,memory' },
    workloads: { type: 'string', default: 'get,put,query,update' },
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '6' },
    instances: { type: 'string', default: '1' },
    'node-args': { type: 'string', default: '' },
    'serve-args': { type: 'string', default: '' },
    'fresh-connections': { type: 'boolean', default: false },
    callgrind: { type: 'boolean', default: false },
    'callgrind-dir': { type: 'string' },
    warmup: { type: 'string', default: '20000' },
    rate: { type: 'string' },
    perf: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    'node bench/cpu-per-op.mjs [--cli FILE] [--base-cli FILE] [--build NAME=FILE[,ENV=VALUE...] ...] [--storage disk,memory,postgres] [--workloads get,put,query,update]\n' +
      '  [--warmup N (unmeasured, per workload and server)] [--requests N (per burst)] [--rounds R (bursts per server)] [--instances I (fresh servers, I times)] [--concurrency C]\n' +
      '  [--rate N (measured bursts paced to N requests/s)] [--node-args=a,b] [--serve-args=a,b (e.g. --workers,2)] [--fresh-connections] [--callgrind (instructions per op: valgrind, ~50x slower; use ~2000 requests)] [--callgrind-dir DIR (keep the dumps)]\n' +
      '  [--perf DIR (each measured burst sampled by perf record -e cpu-clock into DIR; read with bench/perf-symbols.mjs)]',
  );
  process.exit(0);
}
const requests = Number(args.requests);
const connections = Number(args.concurrency);
const rounds = Number(args.rounds);
// --instances: the whole measurement again on freshly started servers, I times. Two server
// processes of one build differ by up to ±10-15 % CPU per op for their whole life (where
// the JIT put things, how the heap grew), so a difference of a few per cent between builds
// needs several instances of each: the report gives the median over instances.
const instances = Number(args.instances);
if (!Number.isSafeInteger(instances) || instances < 1) throw new Error(`--instances must be a positive integer, not ${args.instances}`);
const storages = args.storage.split(',');
const workloads = args.workloads.split(',');
const warmup = Number(args.warmup);
// --rate: the measured bursts are paced to this many requests per second (the warm-up is not).
const measuredRate = args.rate === undefined ? undefined : Number(args.rate);
const nodeArgs = args['node-args'] ? args['node-args'].split(',') : [];
const serveArgs = args['serve-args'] ? args['serve-args'].split(',') : [];
const workersAt = serveArgs.indexOf('--workers');
const workers = workersAt >= 0 ? Number(serveArgs[workersAt + 1]) : 1;
// --callgrind-dir keeps the dumps (for callgrind_annotate); else they go to a temporary directory, removed at the end.
const callgrindDir = args['callgrind-dir'] ?? (args.callgrind ? mkdtempSync(path.join(tmpdir(), 'openddb-callgrind-')) : undefined);
if (args['callgrind-dir']) mkdirSync(callgrindDir, { recursive: true });
if (args.perf) mkdirSync(args.perf, { recursive: true });

const builds = [];
if (args['base-cli']) builds.push({ name: 'base', cli: path.resolve(args['base-cli']) });
builds.push({ name: 'this', cli: path.resolve(args.cli) });
for (const spec of args.build ?? []) {
  const at = spec.indexOf('=');
  if (at <= 0) throw new Error(`--build NAME=FILE, not ${spec}`);
  // NAME=FILE[,KEY=VALUE...][,--flag=value...]: the server's environment gets the KEY=VALUE pairs;
  // pairs starting with -- are serve options of this build only.
  const [file, ...pairs] = spec.slice(at + 1).split(',');
  const env = pairs.filter((p) => !p.startsWith('--'));
  const serve = pairs.filter((p) => p.startsWith('--')).flatMap((p) => (p.includes('=') ? [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] : [p]));
  builds.push({ name: spec.slice(0, at), cli: path.resolve(file), env, serve });
}

/** Registers a bench server for one build on one storage (bench/servers.mjs spawns and stops it). */
function serverFor(build, storage) {
  const name = `cpu-${build.name}-${storage}`;
  if (storage === 'postgres') {
    // openddb on the bench's PostgreSQL cluster, a schema per build; CPU/op counts the database's too (burst()).
    const pgServer = definePostgresBaseServer(build.cli);
    SERVERS[name] = { ...SERVERS[pgServer], label: `${build.cli} (postgres)`, workers: workers > 1 ? workers : undefined };
    const command = SERVERS[name].command;
    SERVERS[name].command = (port, dataDir) => {
      const [exe, argv] = command(port, dataDir);
      return [exe, [...nodeArgs, ...argv, ...serveArgs]];
    };
    delete SERVERS[pgServer];
    return name;
  }
  SERVERS[name] = {
    label: `${build.cli} (${storage})`,
    durable: storage === 'disk',
    transactions: true,
    unavailable: () => null,
    // Under valgrind, LMDB's 64 GiB map does not fit: a 64 GiB address
    // space cap makes the engine map an eighth of it (storage/lmdb-engine mapSizeFor).
    command: (port, dataDir) => [
      'env',
      [
        ...(build.env ?? []),
        ...(callgrindDir ? ['bash'] : [process.execPath]),
        ...(callgrindDir
          ? [
              '-c',
              'ulimit -v 67108864 && exec "$@"',
              'valgrind',
              'valgrind',
              '--tool=callgrind',
              '--separate-threads=yes',
              `--callgrind-out-file=${callgrindDir}/cg.%p`,
              process.execPath,
            ]
          : []),
        ...nodeArgs,
        build.cli,
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        ...(storage === 'disk' ? ['--data', dataDir] : ['--in-memory']),
        ...serveArgs,
        ...(build.serve ?? []),
      ],
    ],
    // servers.mjs waits for every worker of `serve --workers N`.
    workers: workers > 1 ? workers : undefined,
  };
  return name;
}

async function enablePitr(port) {
  await callOk(port, 'UpdateContinuousBackups', { TableName: TABLE, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  // The restorable window opens 250 ms after enabling; writes are recorded from the start.
  await new Promise((r) => setTimeout(r, 300));
}

const run = (srv, reqs, maxRequests, onStart, onEnd, rate) =>
  runLoad({ port: srv.port, connections, requests: reqs, maxRequests, durationMs: 3_600_000, hardTimeoutMs: 3_600_000, onStart, onEnd, rate });

/** One measured burst of `requests` requests against one server. */
/**
 * --perf: `perf record` attached to a server for one measured burst,
 * sampling its CPU time (every thread's, JavaScript named where Node runs
 * with --perf-basic-prof) at PERF_HZ. Unlike callgrind it counts time, not
 * instructions, at full speed: where a request's time goes, cache misses
 * included. The burst's request count goes beside the data, for
 * bench/perf-symbols.mjs.
 */
const PERF_HZ = 4999;
let perfRuns = 0;
async function startPerf(srv, workload) {
  const file = path.join(args.perf, `${srv.name}-${workload}-${String(++perfRuns).padStart(3, '0')}`);
  const perf = spawn('perf', ['record', '-q', '-F', String(PERF_HZ), '-e', 'cpu-clock', '-p', String(srv.pid), '-o', `${file}.data`], { stdio: 'ignore' });
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  // perf prints nothing once attached: half a second is ample.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return async (ok) => {
    perf.kill('SIGINT');
    await exited;
    writeFileSync(`${file}.json`, `${JSON.stringify({ server: srv.name, workload, requests: ok, hz: PERF_HZ })}\n`);
  };
}

async function burst(srv, workload, reqs) {
  const stopPerf = args.perf ? await startPerf(srv, workload) : undefined;
  let before;
  let after;
  let busyBefore;
  let busyAfter;
  // Under callgrind the counters are zeroed before and dumped after the
  // measured requests (callgrind_control talks to the server through vgdb).
  const control = (...a) => execFileSync('callgrind_control', [...a, String(srv.pid)], { stdio: 'ignore' });
  if (callgrindDir) control('--zero');
  let dbBefore;
  let dbAfter;
  const r = await run(
    srv,
    reqs,
    requests,
    () => {
      before = cpuSample(srv.pid);
      if (srv.dbPid !== undefined) dbBefore = cpuSample(srv.dbPid);
      busyBefore = machineBusyNs();
    },
    () => {
      after = cpuSample(srv.pid);
      if (srv.dbPid !== undefined) dbAfter = cpuSample(srv.dbPid);
      busyAfter = machineBusyNs();
    },
    measuredRate,
  );
  let instructions;
  if (callgrindDir) {
    control(`--dump=${workload}`);
    instructions = dumpedInstructions(srv.pid);
  }
  if (stopPerf) await stopPerf(r.ok);
  if (r.errorCount) throw new Error(`${srv.name} ${workload}: ${r.errorCount} errors, first: ${r.firstError}`);
  // openddb on PostgreSQL: the database's CPU (postmaster and backends; the other builds' servers are idle meanwhile) counts too.
  const dbCpu = dbBefore === undefined ? 0 : cpuDelta(dbBefore, dbAfter).ns;
  const cpu = cpuDelta(before, after).ns + dbCpu;
  const others = busyAfter - busyBefore - cpu - r.clientCpuUs * 1000;
  const { split } = cpuDelta(before, after);
  // The kernel's share (utime/stime ticks, 10 ms each: meaningful over bursts of ~0.2 s and more).
  const ticks = after.tickNs - before.tickNs;
  const kernelShare = ticks > 0 ? (after.systemTickNs - before.systemTickNs) / ticks : 0;
  // The main thread's share, split into user and kernel time by its own ticks.
  const mainNs = after.mainNs - before.mainNs;
  const mainTicks = after.mainUserTickNs + after.mainSystemTickNs - before.mainUserTickNs - before.mainSystemTickNs;
  const mainUserShare = mainTicks > 0 ? (after.mainUserTickNs - before.mainUserTickNs) / mainTicks : 0;
  return {
    split,
    usPerOp: cpu / 1000 / r.ok,
    mainUsPerOp: mainNs / 1000 / r.ok,
    mainUserUsPerOp: (mainNs / 1000 / r.ok) * mainUserShare,
    // The split is the server process's own (its ticks); the database's CPU is dbUsPerOp.
    kernelUsPerOp: ((cpu - dbCpu) / 1000 / r.ok) * kernelShare,
    userUsPerOp: ((cpu - dbCpu) / 1000 / r.ok) * (1 - kernelShare),
    dbUsPerOp: dbCpu / 1000 / r.ok,
    opsPerSec: r.opsPerSec,
    othersCores: others / (r.elapsedMs * 1e6),
    kiloInstrPerOp: instructions === undefined ? undefined : instructions.main / 1000 / r.ok,
    kiloInstrAllThreadsPerOp: instructions === undefined ? undefined : instructions.all / 1000 / r.ok,
    kiloInstrNoTimersPerOp: instructions === undefined ? undefined : (instructions.main - instructions.timers) / 1000 / r.ok,
  };
}

/**
 * Instructions (Ir) in a server's newest callgrind dump: of the main thread
 * (the one that serves requests; JIT compilation, GC helpers and LMDB's
 * writer run on others) and of all threads.
 */
function dumpedInstructions(pid) {
  const files = readdirSync(callgrindDir).filter((f) => f.startsWith(`cg.${pid}.`));
  const part = (f) => Number(/\.(\d+)(?:-\d+)?$/.exec(f)?.[1] ?? 0);
  const last = Math.max(...files.map(part));
  let main = 0;
  let all = 0;
  let timers = 0;
  for (const f of files.filter((x) => part(x) === last)) {
    const text = readFileSync(path.join(callgrindDir, f), 'latin1');
    const m = /^(?:totals|summary): (\d+)/m.exec(text);
    if (!m) throw new Error(`no totals in ${f}`);
    all += Number(m[1]);
    if (/-01$/.test(f) || !/-\d+$/.test(f)) {
      main += Number(m[1]);
      // Timer callbacks (inclusive): mostly periodic background work, whose
      // share per request grows as valgrind slows requests down ~50×.
      const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', path.join(callgrindDir, f)], {
        encoding: 'latin1',
        maxBuffer: 1 << 28,
      });
      const t = /^\s*([\d,]+) .*:uv__run_timers \[/m.exec(annotated);
      if (t) timers += Number(t[1].replaceAll(',', ''));
    }
  }
  return { main, all, timers };
}

const results = new Map(); // `${storage} ${workload} ${build}` → per instance, [{usPerOp, ...}]
const record = (key, value, instance) => {
  if (!results.has(key)) results.set(key, Array.from({ length: instances }, () => []));
  results.get(key)[instance].push(value);
};

// Every build's server runs at once and bursts alternate between them, so
// whatever else the machine does in a stretch of time weighs on all alike.
for (let instance = 0; instance < instances; instance++) for (const storage of storages) {
  const servers = [];
  try {
    // Started in turn, the other way round every instance.
    for (const build of instance % 2 === 0 ? builds : [...builds].reverse()) {
      servers.push({ build, srv: await startServer(serverFor(build, storage), { readyTimeoutMs: callgrindDir ? 180_000 : undefined }) });
    }
    const plan = seedPlan('quick', 'openddb-disk');
    for (const { build, srv } of servers) {
      // Under valgrind a busy machine can take longer than the default 10 s over one seeding batch.
      const timeoutMs = callgrindDir ? 120_000 : undefined;
      await createTable(srv.port, timeoutMs === undefined ? {} : { timeoutMs });
      // A build spec's OPENDDB_BENCH_PITR=1 turns point-in-time recovery on for its table (issue 14's overhead, measured as one build against itself).
      if (build.env?.includes('OPENDDB_BENCH_PITR=1')) await enablePitr(srv.port);
      for (const body of seedBodies(plan)) await callOk(srv.port, 'BatchWriteItem', body, timeoutMs === undefined ? {} : { timeoutMs });
    }
    for (const workload of workloads) {
      const bodies = workloadBodies(workload, plan);
      for (const s of servers) {
        s.reqs = buildRequests(s.srv.port, bodies);
        // A new connection for every request (Connection: close), as a client without keep-alive.
        if (args['fresh-connections']) s.reqs = s.reqs.map((r) => Buffer.from(r.toString('latin1').replace('\r\n', '\r\nConnection: close\r\n'), 'latin1'));
        const why = await checkWorkload(s.srv.port, workload, bodies);
        if (why) throw new Error(`${s.srv.name} ${workload}: ${why}`);
        await run(s.srv, s.reqs, warmup);
      }
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? servers : [...servers].reverse();
        for (const { build, srv, reqs } of order) {
          const m = await burst(srv, workload, reqs);
          record(`${storage} ${workload} ${build.name}`, m, instance);
          console.error(
            `${instances > 1 ? `instance ${instance + 1} ` : ''}${storage} ${workload} ${build.name} burst ${round + 1}: ${m.usPerOp.toFixed(1)} µs/op (${m.kernelUsPerOp.toFixed(1)} in the kernel${srv.dbPid === undefined ? '' : `, database ${m.dbUsPerOp.toFixed(1)}`}), ` +
              (m.kiloInstrPerOp === undefined
                ? ''
                : `${m.kiloInstrPerOp.toFixed(1)} k instructions/op on the main thread (${m.kiloInstrNoTimersPerOp.toFixed(1)} k outside timer callbacks; ${m.kiloInstrAllThreadsPerOp.toFixed(1)} k all threads), `) +
              `${Math.round(m.opsPerSec)} ops/s, others ${m.othersCores.toFixed(2)} cores` +
              (m.split.length > 1 ? `, CPU by process ${m.split.map((x) => `${Math.round(x * 100)} %`).join(' / ')}` : ''),
          );
        }
      }
    }
  } finally {
    for (const { srv } of servers) {
      await srv.stop();
      removeDataDir(srv.dataDir);
    }
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const metrics = callgrindDir
  ? [
      ['kiloInstrPerOp', 'k instructions/op (main thread)'],
      ['kiloInstrNoTimersPerOp', 'k instructions/op (main thread, outside timer callbacks)'],
    ]
  : [
      ['usPerOp', 'server CPU µs/op'],
      ['userUsPerOp', 'of which user µs/op'],
      ['kernelUsPerOp', 'of which kernel µs/op'],
      ['mainUsPerOp', "of which the server's main thread µs/op"],
      ['mainUserUsPerOp', "the main thread's user µs/op"],
      ...(storages.includes('postgres') ? [['dbUsPerOp', "of which PostgreSQL's"]] : []),
    ];
const tables = metrics.map(([metric, unit]) => {
  const header = ['storage', 'workload', ...builds.map((b) => `${b.name}: ${unit} (median; ${instances === 1 ? 'all' : 'median of each instance'})`)];
  if (builds.length >= 2) header.push(`change against ${builds[0].name}${instances === 1 ? '' : ' (median of the instances\' changes)'}`);
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const storage of storages) {
    if (metric === 'dbUsPerOp' && storage !== 'postgres') continue;
    for (const workload of workloads) {
      // Per build, per instance: the instance's bursts (one instance: the figures as measured).
      const perInstance = builds.map((b) => results.get(`${storage} ${workload} ${b.name}`).map((bursts) => bursts.map((m) => m[metric])));
      const cells = perInstance.map((runs) => (instances === 1 ? runs[0] : runs.map(median)));
      const row = [storage, workload, ...cells.map((c) => `${median(c).toFixed(1)} (${c.map((x) => x.toFixed(1)).join(', ')})`)];
      if (builds.length >= 2) {
        // With instances, the median of each instance's own change (its servers ran side by side).
        const change = (runs) =>
          instances === 1
            ? median(runs[0]) / median(perInstance[0][0]) - 1
            : median(runs.map((bursts, i) => median(bursts) / median(perInstance[0][i]) - 1));
        row.push(perInstance.slice(1).map((runs) => `${(change(runs) * 100).toFixed(1)} %`).join(', '));
      }
      lines.push(`| ${row.join(' | ')} |`);
    }
  }
  return lines.join('\n');
});
console.log(`c${connections}; ${instances === 1 ? '' : `${instances} instances (fresh servers) of: `}per workload ${warmup} requests unmeasured, then ${rounds} bursts of ${requests} per server, alternating; builds: ${builds.map((b) => `${b.name} = ${b.cli}`).join(', ')}`);
console.log(tables.join('\n\n'));
if (callgrindDir && !args['callgrind-dir']) rmSync(callgrindDir, { recursive: true, force: true });
process.exit(0);
