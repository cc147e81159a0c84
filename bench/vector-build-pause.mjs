/**
 * @module How long building the HNSW graph holds the event loop (issue 17),
 * for the two ways data/vector-search has built it: steps of 256 vectors
 * added with usearch's own threads (before), and slices of at most
 * BUILD_SLICE_MS = 4 ms of 8-vector single-threaded adds (now). Each step
 * or slice is synchronous native code, so a request arriving meanwhile
 * waits for it; between them the build yields (setImmediate).
 *
 *   node bench/vector-build-pause.mjs [--vectors 20000] [--dims 256]
 *
 * Reports per strategy: the build's wall time; the longest and p99
 * synchronous step, in wall time and in this process's CPU time (on a
 * loaded machine wall time also counts time the process was not scheduled
 * at all, which no code change removes); and monitorEventLoopDelay's p99
 * and max over the build. Same clustered vectors as bench/vectors.mjs.
 */
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import os from 'node:os';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : dflt;
};
const N = arg('--vectors', 20_000);
const D = arg('--dims', 256);
const usearch = createRequire(import.meta.url)('usearch');

let seed = 12345;
const uniform = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const gaussian = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
const centres = Array.from({ length: 200 }, () => Array.from({ length: D }, () => gaussian()));
const matrix = new Float32Array(N * D);
for (let i = 0; i < N; i++) {
  const c = centres[Math.floor(uniform() * centres.length)];
  for (let j = 0; j < D; j++) matrix[i * D + j] = c[j] + 0.35 * gaussian();
}

function newIndex() {
  return new usearch.Index({ dimensions: D, metric: 'cos', connectivity: 16, expansion_add: 128, expansion_search: 128 });
}

/** Runs one strategy: `step(index, from)` adds some vectors synchronously and returns where the next step starts. */
async function run(name, step) {
  const index = newIndex();
  const walls = [];
  const cpus = [];
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const started = performance.now();
  let from = 0;
  while (from < N) {
    const t = performance.now();
    const c = process.cpuUsage();
    from = step(index, from);
    const used = process.cpuUsage(c);
    walls.push(performance.now() - t);
    cpus.push((used.user + used.system) / 1000);
    await yieldToEventLoop();
  }
  const total = performance.now() - started;
  delay.disable();
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const p99 = (xs) => sorted(xs)[Math.floor(0.99 * (xs.length - 1))];
  return {
    strategy: name,
    buildSeconds: +(total / 1000).toFixed(1),
    steps: walls.length,
    stepWallMs: { p99: +p99(walls).toFixed(1), max: +Math.max(...walls).toFixed(1) },
    stepCpuMs: { p99: +p99(cpus).toFixed(1), max: +Math.max(...cpus).toFixed(1) },
    eventLoopDelayMs: { p99: +(delay.percentile(99) / 1e6).toFixed(1), max: +(delay.max / 1e6).toFixed(1) },
  };
}

const keys = (from, to) => BigUint64Array.from({ length: to - from }, (_, i) => BigInt(from + i + 1));

const before = await run('steps of 256, usearch threads (before)', (index, from) => {
  const to = Math.min(N, from + 256);
  index.add(keys(from, to), matrix.subarray(from * D, to * D), 0);
  return to;
});
const after = await run('4 ms slices of 8, one thread (now)', (index, from) => {
  const end = performance.now() + 4;
  do {
    const to = Math.min(N, from + 8);
    index.add(keys(from, to), matrix.subarray(from * D, to * D), 1);
    from = to;
  } while (from < N && performance.now() < end);
  return from;
});

console.log(`${N.toLocaleString('en')} vectors × ${D} dims; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| strategy | build | steps | step wall p99 / max | step CPU p99 / max | event-loop delay p99 / max |');
console.log('|---|---|---|---|---|---|');
for (const r of [before, after]) {
  console.log(
    `| ${r.strategy} | ${r.buildSeconds} s | ${r.steps} | ${r.stepWallMs.p99} / ${r.stepWallMs.max} ms | ${r.stepCpuMs.p99} / ${r.stepCpuMs.max} ms | ${r.eventLoopDelayMs.p99} / ${r.eventLoopDelayMs.max} ms |`,
  );
}
