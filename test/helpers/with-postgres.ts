/**
 * @module test/helpers/with-postgres
 * Runs a command with a throw-away PostgreSQL cluster beside it:
 *
 *   node dist/test/helpers/with-postgres.js -- npm test
 *
 * starts the cluster (test/helpers/postgres-cluster), runs the command with
 * OPENDDB_TEST_POSTGRES set to the cluster's URL and OPENDDB_TEST_STORAGE
 * set to `postgres` (so the black-box suite's servers run on it, each in a
 * schema of its own), then stops the cluster whatever the command did, and
 * exits with the command's code. .ci/run uses it.
 */
import { spawn } from 'node:child_process';
import { startPostgresCluster } from './postgres-cluster.js';

async function main(): Promise<number> {
  const dash = process.argv.indexOf('--');
  const command = dash === -1 ? process.argv.slice(2) : process.argv.slice(dash + 1);
  if (command.length === 0) throw new Error('usage: with-postgres.js -- <command> [args…]');
  const cluster = await startPostgresCluster();
  const stop = (): void => cluster.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const database = cluster.createDatabase('openddb_tests');
    const child = spawn(command[0]!, command.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, OPENDDB_TEST_POSTGRES: database, OPENDDB_TEST_STORAGE: 'postgres' },
    });
    return await new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
