/**
 * @module storage/crash-writer
 * Child process of crash.test.ts: opens a data directory with openEngine
 * and commits as fast as it can, printing a line to stdout for each commit
 * only after commit() resolved, i.e. after the engine acknowledged it as
 * durable. The parent kills it with SIGKILL and checks every acknowledged
 * line against the reopened directory.
 *
 * Usage: node crash-writer.js <dataDir> <run> <concurrency> [<commits>]
 * Lines: `item <n>` (items n and pair n committed together, and for odd n a
 * record under an engine-issued sequence number, valued n) and
 * `counter <v>` (a compare-and-set raised the counter to v). With
 * <commits>, it stops after that many item commits, closes, and prints
 * `done`.
 */
import { writeSync } from 'node:fs';
import { CommitConflictError } from './engine.js';
import type { StorageEngine } from './engine.js';
import { counterKey, itemKey, pairKey, payload, sequenceKey } from './crash-payload.js';
import { openEngine } from './open-engine.js';

const [dataDir, runArg, concurrencyArg, commitsArg] = process.argv.slice(2);
if (dataDir === undefined || runArg === undefined || concurrencyArg === undefined) {
  throw new Error('usage: crash-writer.js <dataDir> <run> <concurrency> [<commits>]');
}
const run = Number(runArg);
const concurrency = Number(concurrencyArg);
const commits = commitsArg === undefined ? Infinity : Number(commitsArg);

/** Synchronous, unbuffered: once this returns the parent can read the line. */
const ack = (line: string): void => {
  writeSync(1, `${line}\n`);
};

async function raiseCounter(engine: StorageEngine): Promise<void> {
  for (;;) {
    const current = await engine.get(counterKey(run));
    const next = current === undefined ? 1 : new DataView(current.buffer, current.byteOffset).getUint32(0) + 1;
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, next);
    try {
      await engine.commit([{ key: counterKey(run), value: bytes }], [{ key: counterKey(run), value: current ?? null }]);
      ack(`counter ${next}`);
      return;
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
    }
  }
}

async function main(): Promise<void> {
  const engine = await openEngine({ dataDir: dataDir! });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < commits) {
        const n = next++;
        const value = payload(run, n);
        const writes = [
          { key: itemKey(run, n), value },
          { key: pairKey(run, n), value: value.subarray(0, 16) },
        ];
        if (n % 2 === 0) await engine.commit(writes);
        else {
          const record = new TextEncoder().encode(String(n));
          await engine.commit(writes, [], {
            sequence: { count: 1, floor: 0n, writes: (first) => [{ key: sequenceKey(run, first), value: record }] },
          });
        }
        ack(`item ${n}`);
        if (n % 4 === 0) await raiseCounter(engine);
      }
    }),
  );
  await engine.close();
  ack('done');
}

main().catch((error: unknown) => {
  process.stderr.write(`crash-writer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
