/**
 * Builds the `openddb` bin from tsc's output (dist/src):
 * - dist/openddb-core.cjs: the CLI (dist/src/cli.js) with everything it
 *   imports, lmdb's JavaScript included, bundled into one script that
 *   evaluates to a CommonJS-style function;
 * - dist/openddb-core.v8cache: V8's code cache for that script, made here by
 *   starting an in-memory and an on-disk server from it and sending each a
 *   few requests, so the cache holds the bytecode of what a start and a
 *   first request run;
 * - dist/openddb.mjs: the bin, a copy of scripts/openddb-bin.mjs, which
 *   compiles the core with that cache and runs it.
 *
 * Start-up time is what this is about (issue #6: cold start to the first
 * answer ≤ 150 ms, of which Node's own start takes ~110). Measured on the
 * 2-core CI machine against the single ESM bundle with packages external:
 * - lmdb and sorted-btree imported from node_modules cost ~50 ms and
 *   ~10 MB of RSS: Node's ESM loader resolves and reads each of their ~25
 *   files, and runs cjs-module-lexer over CommonJS ones. Bundled, they
 *   cost their compile only.
 * - compiling the bundle and then each function a request runs cost
 *   ~15 ms more; the code cache removes most of that.
 * Modules a start may not need still load lazily: the bundle wraps a
 * module reached by import() in a function that runs on first import, so
 * an in-memory server never loads lmdb's native addon.
 *
 * lmdb needs some help to be bundled:
 * - lmdb/native.js finds its native addon (in @lmdb/lmdb-<platform>) with
 *   node-gyp-build from its own directory, import.meta.url; bundled, that
 *   would be dist/. The bundle first loads the addon node-gyp-build picks
 *   at build time, by its path relative to dist/, if the platform and
 *   Node ABI are the same and the file is there; else it runs
 *   node-gyp-build on the installed lmdb package. node-gyp-build resolves
 *   packages, reads package.json files and directories and detects the C
 *   library: ~5 ms of a disk server's start. lmdb/open.js finds its
 *   compression dictionary the same way, and is pointed at the installed
 *   package too. import.meta.url elsewhere (createRequire calls) becomes
 *   the core's own URL.
 *   The bundle holds lmdb's JavaScript of build time, so the installed
 *   addon must be of the same lmdb version: package-lock.json sees to it
 *   here, and package.json pins lmdb exactly.
 * - msgpackr (lmdb's default value codec) optionally loads the native
 *   msgpackr-extract, which only speeds up decoding msgpack strings.
 *   openddb stores binary and JSON values, never msgpack, so it is left
 *   out rather than load and link a second native library at every start.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import * as esbuild from 'esbuild';
import { callOk as call, closeSetupAgent } from '../bench/protocol.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const corePath = path.join(dist, 'openddb-core.cjs');
const cachePath = path.join(dist, 'openddb-core.v8cache');
const binPath = path.join(dist, 'openddb.mjs');

const LMDB_NGB_IMPORT = "import loadNAPI from 'node-gyp-build-optional-packages';";
const LMDB_LOAD_LINES =
  "let dirName = dirname(fileURLToPath(import.meta.url)).replace(/dist$/, '');\nexport let nativeAddon = loadNAPI(dirName);";

const LMDB_DICT_URL = "import.meta.url.replace(/dist[\\\\\\/]index.cjs$/, '')";
const LMDB_DICT_URL_BUNDLED = "require('node:url').pathToFileURL(require.resolve('lmdb')).href.replace(/dist[\\\\\\/]index.cjs$/, '')";

/**
 * The addon node-gyp-build picks here, for the bundle to load directly
 * (see lmdbBundling), or null. Its path is kept relative to dist/.
 */
function lmdbAddon() {
  try {
    const lmdbMain = createRequire(import.meta.url).resolve('lmdb');
    const loadNAPI = createRequire(lmdbMain)('node-gyp-build-optional-packages');
    const file = loadNAPI.resolve(path.dirname(lmdbMain).replace(/dist$/, ''));
    const relative = path.relative(dist, file).split(path.sep).join('/');
    return { platform: process.platform, arch: process.arch, abi: process.versions.modules, file: relative };
  } catch {
    return null;
  }
}

/** @type {esbuild.Plugin} */
const lmdbBundling = {
  name: 'lmdb-bundling',
  setup(build) {
    const built = JSON.stringify(lmdbAddon());
    build.onLoad({ filter: /[\\/]node_modules[\\/]lmdb[\\/]native\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(LMDB_LOAD_LINES) || !source.includes(LMDB_NGB_IMPORT)) {
        throw new Error(`${args.path} no longer finds its addon as scripts/build.mjs expects; update the build`);
      }
      const bundled = `export let nativeAddon = builtAddon() ?? loadNAPI(dirname(require.resolve('lmdb')).replace(/dist$/, ''));
function builtAddon() {
  const built = ${built};
  if (built === null || built.platform !== process.platform || built.arch !== process.arch || built.abi !== process.versions.modules) return undefined;
  try {
    return require(fileURLToPath(new URL(built.file, import.meta.url)));
  } catch {
    return undefined;
  }
}`;
      // node-gyp-build (and the C library detection it runs as it loads) only when needed.
      const lazy = source
        .replace(LMDB_NGB_IMPORT, "const loadNAPI = (dir) => require('node-gyp-build-optional-packages')(dir);")
        .replace(LMDB_LOAD_LINES, bundled);
      return { contents: lazy, loader: 'js' };
    });
    // Only with compression, which openddb does not use; kept working all the same.
    build.onLoad({ filter: /[\\/]node_modules[\\/]lmdb[\\/]open\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(LMDB_DICT_URL)) {
        throw new Error(`${args.path} no longer finds its dictionary as scripts/build.mjs expects; update the build`);
      }
      return { contents: source.replace(LMDB_DICT_URL, LMDB_DICT_URL_BUNDLED), loader: 'js' };
    });
    build.onResolve({ filter: /^msgpackr-extract$/ }, () => ({ path: 'msgpackr-extract', namespace: 'left-out' }));
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({ contents: 'module.exports = undefined;', loader: 'js' }));
  },
};

/** Left out of the bundle and required from node_modules at run time; see `external` below. */
const OPTIONAL_PACKAGES = ['usearch', 'better-sqlite3', '@aws-sdk/client-s3', '@cdktf/hcl2json', 'playwright-core'];

const bundle = await esbuild.build({
  entryPoints: [path.join(dist, 'src/cli.js')],
  bundle: true,
  write: false,
  outfile: corePath,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Whitespace and syntax only: stack traces in the server's log keep their names.
  minifyWhitespace: true,
  minifySyntax: true,
  define: { 'import.meta.url': '__openddbCoreUrl' },
  plugins: [lmdbBundling],
  // Native addons and packages that read files beside their own code (a
  // wasm module) cannot be bundled; nor is the S3 client, large and needed
  // only by export, import and bulk jobs. Source loads each at first use
  // with createRequire(import.meta.url)(name), never by a static import,
  // so a start does not pay for them.
  external: OPTIONAL_PACKAGES,
  logLevel: 'warning',
  // The require.resolve('lmdb') that lmdbBundling writes into lmdb's code is meant for run time.
  logOverride: { 'require-resolve-not-external': 'silent' },
});

// The script's value is a function of CommonJS's arguments, as Node wraps a
// module. "use strict" keeps the semantics of the ES modules that are most
// of the bundle; its few CommonJS packages (sorted-btree, compiled with
// "use strict" already; node-gyp-build and detect-libc) run under it too.
// The last line names this build, for the bin to match the cache with it.
const buildId = `//# openddb-build ${randomBytes(12).toString('hex')}`;
const source =
  '(function (exports, require, module, __filename, __dirname) {"use strict";\n' +
  "const __openddbCoreUrl = require('node:url').pathToFileURL(__filename).href;\n" +
  `${bundle.outputFiles[0].text}\n})\n${buildId}\n`;

// The bin reads the core as latin1, which equals utf8 only for ASCII.
if (!/^[\x00-\x7f]*$/.test(source)) throw new Error("dist/openddb-core.cjs is not ASCII: esbuild's charset must stay ascii");

// Old outputs: chunks of an earlier layout of the build, and the cache of another build.
rmSync(path.join(dist, 'chunks'), { recursive: true, force: true });
rmSync(cachePath, { force: true });
writeAtomically(corePath, source);
writeAtomically(binPath, readFileSync(path.join(root, 'scripts/openddb-bin.mjs')), 0o755);
// The web console's files (src/console/serve-console reads them from here; the package ships dist/ only).
rmSync(path.join(dist, 'console'), { recursive: true, force: true });
cpSync(path.join(root, 'src/console/assets'), path.join(dist, 'console'), { recursive: true });

try {
  const cache = await Promise.race([
    warmCodeCache(),
    new Promise((_, reject) => setTimeout(() => reject(new Error('the warm-up took over 60 s')), 60_000).unref()),
  ]);
  writeAtomically(cachePath, Buffer.concat([Buffer.from(`${buildId}\n`, 'latin1'), cache]));
} catch (e) {
  // The bin works without a cache, only slower to start. A warm-up that
  // hung may have left servers open: they must not hold the build.
  process.stderr.write(`scripts/build.mjs: no code cache (${e instanceof Error ? e.message : String(e)})\n`);
  process.exit(0);
}

/** Another build may run at the same time (npm test's pretest beside a bench): no reader sees half a file. */
function writeAtomically(file, data, mode = 0o644) {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, data, { mode });
  renameSync(temp, file);
}

/** Compiles the core as the bin does, runs servers from it, and returns V8's cache of what ran. */
async function warmCodeCache() {
  const script = new Script(source, { filename: corePath });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(corePath), module, corePath, dist);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'openddb-build-'));
  try {
    for (const store of [{ inMemory: true }, { dataDir }]) {
      const server = await module.exports.startServer({ host: '127.0.0.1', port: 0, ...store, log: () => {} });
      try {
        await sampleRequests(server.port);
      } finally {
        await server.close();
      }
    }
  } finally {
    closeSetupAgent();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return script.createCachedData();
}

/** What a client does first: make a table, write, read, query, update, list. */
async function sampleRequests(port) {
  const key = (id) => ({ pk: { S: 'p' }, sk: { N: String(id) } });
  await call(port, 'ListTables', {});
  await call(port, 'CreateTable', {
    TableName: 'warm',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await call(port, 'DescribeTable', { TableName: 'warm' });
  for (let i = 0; i < 3; i++) {
    await call(port, 'PutItem', { TableName: 'warm', Item: { ...key(i), v: { S: 'x'.repeat(100) }, n: { N: '1' } } });
  }
  await call(port, 'GetItem', { TableName: 'warm', Key: key(1) });
  await call(port, 'UpdateItem', {
    TableName: 'warm',
    Key: key(1),
    UpdateExpression: 'ADD #n :one',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeNames: { '#n': 'n' },
    ExpressionAttributeValues: { ':one': { N: '1' } },
  });
  await call(port, 'Query', {
    TableName: 'warm',
    KeyConditionExpression: 'pk = :p',
    ExpressionAttributeValues: { ':p': { S: 'p' } },
  });
  await call(port, 'BatchWriteItem', { RequestItems: { warm: [{ PutRequest: { Item: key(9) } }] } });
  await call(port, 'Scan', { TableName: 'warm' });
  await call(port, 'DeleteItem', { TableName: 'warm', Key: key(0) });
  await call(port, 'ListTables', {});
}
