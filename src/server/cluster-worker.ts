/**
 * @module server/cluster-worker
 * The script a worker process runs when startServer({ workers: N }) is
 * called from a program (the CLI's workers run the openddb bin instead):
 * it starts the worker's server from the options its primary passed
 * (server/cluster).
 */
import { runClusterWorker } from './cluster.js';

runClusterWorker().catch((e: unknown) => {
  process.stderr.write(`openddb worker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
