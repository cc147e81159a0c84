#!/usr/bin/env node
/**
 * @module Self instructions per request by function, JavaScript included,
 * from a callgrind dump of a server run with `--perf-basic-prof`.
 *
 * callgrind names native code (V8's builtins and runtime, libc, LMDB) but
 * shows JIT-compiled JavaScript as bare addresses. Node's
 * `--perf-basic-prof` writes /tmp/perf-<pid>.map (address, size, name of
 * every code object as it is made); this resolves each address through it
 * (the newest entry wins where code was moved) and prints self Ir per
 * request, largest first. Compare two builds' outputs line by line: with
 * the bench's usual warm-up, JavaScript inlined into a caller counts as the
 * caller, so compare sums over a path rather than single small functions.
 *
 *   node bench/cpu-per-op.mjs --base-cli B --callgrind --callgrind-dir /tmp/cg --node-args=--perf-basic-prof \
 *     --storage memory --workloads get --warmup 5000 --requests 2000 --rounds 1
 *   node bench/callgrind-names.mjs /tmp/cg/cg.<pid>.1-01 2000 > /tmp/a.txt    # the measured burst's dump, main thread
 */
import { readFileSync } from 'node:fs';

const [dump, requests] = process.argv.slice(2);
if (dump === undefined || requests === undefined) {
  console.error('node bench/callgrind-names.mjs <callgrind dump cg.PID.N-01> <requests in it>');
  process.exit(2);
}
const pid = /cg\.(\d+)\./.exec(dump)?.[1];
const map = readFileSync(`/tmp/perf-${pid}.map`, 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const [start, size, ...name] = line.split(' ');
    return { start: parseInt(start, 16), end: parseInt(start, 16) + parseInt(size, 16), name: name.join(' ') };
  });
const resolve = (address) => {
  for (let i = map.length - 1; i >= 0; i--) if (address >= map[i].start && address < map[i].end) return map[i].name;
  return undefined;
};

// The dump's format: fn= names the function whose self costs follow; a
// calls= line is followed by the inclusive cost of that call, not self cost.
const names = new Map();
const self = new Map();
let fn = '';
let callCost = false;
for (const line of readFileSync(dump, 'latin1').split('\n')) {
  const named = /^c?fn=\((\d+)\)(?: (.*))?$/.exec(line);
  if (named) {
    if (named[2] !== undefined) names.set(named[1], named[2]);
    if (line.startsWith('fn=')) fn = names.get(named[1]);
  } else if (line.startsWith('calls=')) {
    callCost = true;
  } else if (/^[0-9+\-*]/.test(line)) {
    if (callCost) callCost = false;
    else self.set(fn, (self.get(fn) ?? 0) + Number(line.trim().split(/\s+/)[1] ?? 0));
  }
}
const byName = new Map();
for (const [name, ir] of self) {
  const address = /^0x([0-9a-f]+)/.exec(name);
  const resolved = (address ? (resolve(parseInt(address[1], 16)) ?? '(unknown JIT code)') : name)
    .replace(/ \/\S*openddb-core\.cjs:\d+:\d+/, '')
    .replace(/^JS:[*~^+]/, 'JS:');
  byName.set(resolved, (byName.get(resolved) ?? 0) + ir);
}
const total = [...byName.values()].reduce((a, b) => a + b, 0);
console.log(`${Math.round(total / requests)}\t(all)`);
for (const [name, ir] of [...byName].sort((a, b) => b[1] - a[1])) console.log(`${Math.round(ir / requests)}\t${name}`);
