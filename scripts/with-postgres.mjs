/**
 * Runs a command with a throw-away PostgreSQL cluster beside it:
 *
 *   node scripts/with-postgres.mjs -- npm test
 *
 * starts the cluster (test/helpers/postgres-cluster, from the build in
 * dist/), runs the command with OPENDDB_TEST_POSTGRES set to a fresh
 * database on it and OPENDDB_TEST_STORAGE=postgres (so the black-box
 * suite's servers run on it, each in a schema of its own), then stops the
 * cluster whatever the command did and exits with the command's code.
 * .ci/run uses it. (It lives here, not in test/, because node --test runs
 * every script under a test/ folder.)
 */
import { spawn } from 'node:child_process';
import { startPostgresCluster } from '../dist/test/helpers/postgres-cluster.js';

const dash = process.argv.indexOf('--');
const command = dash === -1 ? process.argv.slice(2) : process.argv.slice(dash + 1);
if (command.length === 0) {
  console.error('usage: node scripts/with-postgres.mjs -- <command> [args…]');
  process.exit(2);
}
const cluster = await startPostgresCluster();
let code = 1;
try {
  const database = cluster.createDatabase('openddb_tests');
  const child = spawn(command[0], command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, OPENDDB_TEST_POSTGRES: database, OPENDDB_TEST_STORAGE: 'postgres' },
  });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  code = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
} finally {
  cluster.stop();
}
process.exit(code);
