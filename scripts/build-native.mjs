/**
 * Builds openddb's native addon (native/: the SHA-256 work of SigV4
 * verification, see native/sigv4.cc) with node-gyp and copies it to
 * dist/openddb-native.node, where src/auth/sigv4-native finds it.
 *
 * The addon only makes `--auth` cheaper: without it auth/sigv4 uses
 * node:crypto, with the same results. So a machine that cannot build it
 * (no C++ compiler, no Node headers) gets a warning, not a failed build —
 * unless OPENDDB_REQUIRE_NATIVE=1 (.ci/run sets it), when it is an error.
 *
 * node-gyp is npm's own (npm names it to scripts in npm_config_node_gyp).
 * Node's headers are read from where Node is installed when they are there
 * (include/node beside bin/node, as Debian's and the official packages put
 * them), so nothing is downloaded. A build of the same Node version is
 * remade by make only where a source changed.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const native = path.join(root, 'native');
const built = path.join(native, 'build', 'Release', 'openddb_native.node');
const target = path.join(root, 'dist', 'openddb-native.node');
const stampPath = path.join(native, 'build', 'openddb-built-for');
const required = process.env.OPENDDB_REQUIRE_NATIVE === '1';

try {
  build();
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(built, target);
} catch (e) {
  const reason = e instanceof Error ? e.message : String(e);
  if (required) {
    process.stderr.write(`scripts/build-native.mjs: ${reason}\n`);
    process.exit(1);
  }
  process.stderr.write(
    `scripts/build-native.mjs: openddb's native addon was not built (${reason}); --auth verifies signatures with node:crypto instead, a few µs more per request\n`,
  );
}

function build() {
  const gyp = nodeGyp();
  const args = [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
  // A build made for another Node (or other headers) is made again from scratch.
  const stamp = `${process.version} ${process.arch} ${args.join(' ')}`;
  const fresh = !existsSync(built) || !existsSync(stampPath) || readFileSync(stampPath, 'utf8') !== stamp;
  const run = (command) => {
    const result = spawnSync(process.execPath, [gyp, command, ...args], { cwd: native, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').filter((line) => line !== '' && !line.startsWith('gyp info'));
      throw new Error(`node-gyp ${command} failed${result.error ? `: ${result.error.message}` : ''}\n${output.slice(-20).join('\n')}`);
    }
  };
  if (fresh) {
    run('rebuild');
    writeFileSync(stampPath, stamp);
  } else {
    run('build');
  }
}

/** npm's node-gyp: named by npm to the scripts it runs, else found beside npm itself. */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const found = candidates.find((file) => file && existsSync(file));
  if (found === undefined) throw new Error("npm's node-gyp was not found");
  return found;
}
