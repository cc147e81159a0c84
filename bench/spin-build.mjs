#!/usr/bin/env node
/**
 * @module A copy of a build whose server busy-waits a fixed time on every
 * DynamoDB request: a calibration for bench/cpu-per-op.mjs. Server CPU per
 * request is not additive on a small machine shared with the load
 * generator (caches, scheduling, the kernel's share): a spin of known
 * length, measured in the same run, says what a given amount of added work
 * shows up as, so another change's figure (`--auth`, say) can be read
 * against it.
 *
 * The copy is of dist/ as built (bin, core, addon; node_modules linked
 * beside it, for the packages the core requires); in its core
 * the DynamoDB request path starts with a loop on process.hrtime.bigint()
 * that runs until `--ns` nanoseconds have passed. The product has no such
 * loop: the copy lives in `--out` only.
 *
 *   node bench/spin-build.mjs --out /tmp/spin3 --ns 3000
 *   node bench/cpu-per-op.mjs --build spin3=/tmp/spin3/openddb.mjs --build auth=dist/openddb.mjs,--auth=bench/auth.json ...
 */
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    dist: { type: 'string', default: path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'dist') },
    out: { type: 'string' },
    ns: { type: 'string' },
  },
});
const ns = Number(args.ns);
if (args.out === undefined || !Number.isSafeInteger(ns) || ns <= 0) {
  console.error('node bench/spin-build.mjs --out DIR --ns NANOSECONDS [--dist DIR]');
  process.exit(2);
}
// Where server/dynamo-protocol asks whether --auth is on: once per DynamoDB request, before the body is read.
const MARKER = 'if(ctx.auth!==void 0){';
rmSync(args.out, { recursive: true, force: true });
cpSync(args.dist, args.out, { recursive: true });
// The core requires installed packages (lmdb's addon, where the bundle's own path to it does not hold from here).
symlinkSync(path.resolve(args.dist, '..', 'node_modules'), path.join(args.out, 'node_modules'), 'dir');
const corePath = path.join(args.out, 'openddb-core.cjs');
const core = readFileSync(corePath, 'latin1');
if (core.split(MARKER).length !== 2) throw new Error(`${corePath}: the request path's marker ${MARKER} is not there exactly once; update bench/spin-build.mjs`);
const spin = `{const t=process.hrtime.bigint();while(process.hrtime.bigint()-t<${ns}n);}`;
writeFileSync(corePath, core.replace(MARKER, spin + MARKER), 'latin1');
// The code cache was made for the core as built: without it the bin compiles the core itself.
rmSync(path.join(args.out, 'openddb-core.v8cache'), { force: true });
console.log(`${args.out}/openddb.mjs: every DynamoDB request busy-waits ${ns} ns`);
