#!/usr/bin/env node
/**
 * The `openddb` bin (scripts/build.mjs copies this file to dist/openddb.mjs).
 *
 * It runs the CLI from dist/openddb-core.cjs, one script holding all of
 * openddb and lmdb's JavaScript, compiled with V8's code cache from
 * dist/openddb-core.v8cache: the bytecode of every function a start and a
 * few requests run, made by the build. Compiling the core took ~12 ms of a
 * cold start (issue #6: ≤ 150 ms to the first answer), and each function a
 * first request runs was compiled again as it ran; with the cache all of it
 * takes ~3 ms. Node 20 has no compile cache for modules
 * (module.enableCompileCache is Node 22), hence a vm.Script.
 *
 * The cache is only a speed-up. It names the build it belongs to and is
 * ignored if that is not the core beside it; V8 itself ignores a cache made
 * by another Node or V8 version or with other V8 flags, and compiles.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const corePath = fileURLToPath(new URL('./openddb-core.cjs', import.meta.url));
// The build keeps the core ASCII (esbuild escapes everything else), so latin1 reads it as utf8 would, faster.
const source = readFileSync(corePath, 'latin1');

let cachedData;
try {
  const cache = readFileSync(fileURLToPath(new URL('./openddb-core.v8cache', import.meta.url)));
  // The cache starts with the line that ends the core it was made from.
  const header = cache.indexOf(10);
  if (header > 0 && source.endsWith(`${cache.toString('latin1', 0, header)}\n`)) cachedData = cache.subarray(header + 1);
} catch {
  // No cache (a build that could not make one): compile as usual.
}

const script = new Script(source, { filename: corePath, cachedData });
const module = { exports: {} };
script.runInThisContext().call(module.exports, module.exports, createRequire(corePath), module, corePath, dirname(corePath));
module.exports.runCli(process.argv.slice(2));
