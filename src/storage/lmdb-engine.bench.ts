/**
 * @module storage/lmdb-engine.bench
 * Throughput of the storage engines: point reads, snapshot multi-gets,
 * range scans, and durable single-key commits at concurrency 1 and 64
 * (the second shows group commit: many commits per fsync). The memory
 * engine runs beside LMDB as the ceiling. Prints a table; never a gate.
 *
 * Run: node dist/src/storage/lmdb-engine.bench.js [seconds-per-case]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StorageEngine } from './engine.js';
import { LmdbEngine } from './lmdb-engine.js';
import { MemoryEngine } from './memory-engine.js';

const seconds = Number(process.argv[2] ?? 2);
const KEYS = 100_000;
const enc = new TextEncoder();
const keyOf = (i: number): Uint8Array => enc.encode(`t0001/p${String((i * 7919) % KEYS).padStart(6, '0')}/s${i}`);
const value = new Uint8Array(300).fill(0x5a);

/** Runs `op` from `concurrency` loops for the configured time; returns ops/s. */
async function measure(concurrency: number, op: (worker: number, i: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await op(worker, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

async function bench(name: string, engine: StorageEngine): Promise<Record<string, string>> {
  for (let i = 0; i < KEYS; i += 5000) {
    await engine.commit(Array.from({ length: Math.min(5000, KEYS - i) }, (_, j) => ({ key: keyOf(i + j), value })));
  }
  const row: Record<string, string> = { engine: name };
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  row['get/s'] = fmt(await measure(1, (_, i) => engine.get(keyOf((i * 31) % KEYS))));
  row['get/s (c=64)'] = fmt(await measure(64, (w, i) => engine.get(keyOf((w * 1000 + i * 31) % KEYS))));
  const batch = (i: number): Uint8Array[] => Array.from({ length: 25 }, (_, j) => keyOf((i * 25 + j * 101) % KEYS));
  row['getMany(25)/s'] = fmt(await measure(1, (_, i) => engine.getMany(batch(i))));
  const lo = enc.encode('t0001/p');
  const hi = enc.encode('t0001/q');
  row['range(100)/s'] = fmt(await measure(1, () => engine.range(lo, hi, { limit: 100 })));
  let n = 0;
  for (const concurrency of [1, 64]) {
    row[`commit/s (c=${concurrency})`] = fmt(
      await measure(concurrency, () => {
        const key = enc.encode(`t0002/new/${n++}`);
        return engine.commit([{ key, value }], [{ key, value: null }]);
      }),
    );
  }
  await engine.close();
  return row;
}

const dir = mkdtempSync(join(tmpdir(), 'openddb-bench-'));
try {
  const rows = [
    await bench('lmdb (durable)', await LmdbEngine.open({ path: join(dir, 'lmdb') })),
    await bench('memory', new MemoryEngine()),
  ];
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
