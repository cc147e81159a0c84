#!/usr/bin/env node
/**
 * @module CPU µs per request by symbol, from the recordings of
 * `bench/cpu-per-op.mjs --perf DIR` (perf record -e cpu-clock, one per
 * measured burst, with its request count beside it). Recordings of one
 * server and workload are summed. With two groups (`A.data,B.data --
 * C.data`), prints each symbol's µs per request in both and the change,
 * largest first: where a build or a flag adds time, cache misses included,
 * which callgrind's instruction counts do not show. Run the servers with
 * `--node-args=--perf-basic-prof` for JavaScript's names.
 *
 *   node bench/cpu-per-op.mjs --build auth=dist/openddb.mjs,--auth=bench/auth.json --storage memory --workloads get \
 *     --node-args=--perf-basic-prof --perf /tmp/perf --rounds 4
 *   node bench/perf-symbols.mjs /tmp/perf/cpu-this-memory-get-*.data -- /tmp/perf/cpu-auth-memory-get-*.data
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 0) {
  console.error('node bench/perf-symbols.mjs A.data... [-- B.data...] [--top N]');
  process.exit(2);
}
let top = 40;
const topAt = argv.indexOf('--top');
if (topAt >= 0) top = Number(argv.splice(topAt, 2)[1]);
const split = argv.indexOf('--');
const groups = split < 0 ? [argv] : [argv.slice(0, split), argv.slice(split + 1)];

/** µs per request by symbol over a group of recordings, and in all. */
function perRequest(files) {
  const samples = new Map();
  let requests = 0;
  let hz = 0;
  for (const file of files) {
    const meta = JSON.parse(readFileSync(file.replace(/\.data$/, '.json'), 'utf8'));
    requests += meta.requests;
    hz = meta.hz;
    const report = execFileSync('perf', ['report', '-i', file, '--stdio', '-n', '--no-children', '--sort', 'symbol', '-q'], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // "    12.34%          1234  [.] symbol"
    for (const line of report.split('\n')) {
      const m = /^\s*[\d.]+%\s+(\d+)\s+\[.\]\s+(.*?)\s*$/.exec(line);
      if (m) samples.set(m[2], (samples.get(m[2]) ?? 0) + Number(m[1]));
    }
  }
  const us = new Map();
  let total = 0;
  for (const [symbol, n] of samples) {
    const value = (n / hz / requests) * 1e6;
    us.set(symbol.replace(/\s+/g, ' ').slice(0, 140), value);
    total += value;
  }
  return { us, total, requests };
}

const results = groups.map(perRequest);
const fmt = (v) => v.toFixed(2).padStart(7);
if (results.length === 1) {
  const [a] = results;
  console.log(`${fmt(a.total)} µs/request in all (${a.requests} requests)`);
  for (const [symbol, v] of [...a.us].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${fmt(v)}  ${symbol}`);
} else {
  const [a, b] = results;
  console.log(`${fmt(a.total)} → ${fmt(b.total)} µs/request in all (${fmt(b.total - a.total)}; ${a.requests} and ${b.requests} requests)`);
  const symbols = new Set([...a.us.keys(), ...b.us.keys()]);
  const rows = [...symbols].map((s) => [s, a.us.get(s) ?? 0, b.us.get(s) ?? 0]).sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
  for (const [symbol, va, vb] of rows.slice(0, top)) console.log(`${fmt(va)} ${fmt(vb)} ${fmt(vb - va)}  ${symbol}`);
}
