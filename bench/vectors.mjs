/**
 * @module Vector index bench (issue 17): 100,000 vectors of 256 dimensions
 * in one vector index (COSINE) on the LMDB engine, driven in process
 * through the operations (api/dispatcher: validation, planning, the data
 * plane and storage; no HTTP). Prints a table and writes
 * bench/results/vectors.{json,md}.
 *
 *   npm run build && node bench/vectors.mjs [--vectors 100000] [--dims 256] [--queries 200] [--exact-limit 50000]
 *
 * Measures: load rate (BatchWriteItem, entries and change log in each
 * commit); the first search's build of the per-process structure from the
 * store (exact search ready); the background build of the HNSW graph;
 * their memory; the event loop's delay while the graph is built
 * (monitorEventLoopDelay); SearchVectors p50/p99 on the exact path (usearch's native
 * brute force) and on the HNSW path; recall@10 of the HNSW path against the
 * exact answers to the same queries.
 *
 * The vectors are clustered (200 random centres, Gaussian noise), as real
 * embeddings are, rather than uniform noise, on which any approximate
 * method does poorly and no application searches.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openInProcess } from './in-process.mjs';
import { setExactSearchLimit, vectorCacheMemory, vectorIndexSettled } from '../dist/src/data/vector-search.js';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? Number(args[i + 1]) : dflt;
};
const N = arg('--vectors', 100_000);
const D = arg('--dims', 256);
const QUERIES = arg('--queries', 200);
// Above this many vectors searches use the HNSW graph (the server's default: 50,000); lower it to bench the graph on a smaller load.
const EXACT_LIMIT = arg('--exact-limit', 50_000);
const K = 10;

let seed = 12345;
const uniform = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const gaussian = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
const centres = Array.from({ length: 200 }, () => Array.from({ length: D }, () => gaussian()));
const sample = () => {
  const c = centres[Math.floor(uniform() * centres.length)];
  return c.map((x) => Math.round((x + 0.35 * gaussian()) * 1e4) / 1e4);
};

const { db, call, close } = await openInProcess({ name: 'vectors', quiet: true });
const ms = (t) => Math.round(t);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

try {
  await call('CreateTable', {
    TableName: 'vectors',
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    VectorIndexes: [
      { IndexName: 'emb', VectorAttribute: { AttributeName: 'v' }, Dimensions: D, DistanceFunction: 'COSINE', Projection: { ProjectionType: 'KEYS_ONLY' } },
    ],
  });

  // Load: 25 items per BatchWriteItem, 8 batches in flight.
  let t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const start = next;
      next = Math.min(N, next + 25);
      const requests = [];
      for (let i = start; i < next; i++) {
        requests.push({ PutRequest: { Item: { pk: { S: `item${i}` }, v: { L: sample().map((n) => ({ N: String(n) })) } } } });
      }
      await call('BatchWriteItem', { RequestItems: { vectors: requests } });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const loadMs = performance.now() - t0;

  const queries = Array.from({ length: QUERIES }, () => sample().map((n) => ({ N: String(n) })));
  const searchOnce = async (q) => {
    const started = performance.now();
    const out = await call('SearchVectors', { TableName: 'vectors', IndexName: 'emb', SearchVector: q, TopK: K });
    return { ms: performance.now() - started, keys: out.SearchResults.map((r) => r.Item.pk.S) };
  };

  // Exact path: the structure is built by the first search.
  setExactSearchLimit(Number.MAX_SAFE_INTEGER);
  const rssBefore = process.memoryUsage().rss;
  const copyDelay = monitorEventLoopDelay({ resolution: 1 });
  copyDelay.enable();
  t0 = performance.now();
  await searchOnce(queries[0]);
  const buildMs = performance.now() - t0;
  copyDelay.disable();
  const matrixBytes = vectorCacheMemory(db);
  const rssExact = process.memoryUsage().rss;
  const exact = [];
  for (const q of queries) exact.push(await searchOnce(q));

  // HNSW path: built in the background once the index is over the exact limit.
  setExactSearchLimit(EXACT_LIMIT);
  const table = db.catalog.get('vectors');
  // How long the event loop (every request of this process) waits while the graph is built in the background.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  t0 = performance.now();
  const ready = await vectorIndexSettled(db, table, table.vectorIndexes[0]);
  const annMs = performance.now() - t0;
  loopDelay.disable();
  const rssAfter = process.memoryUsage().rss;
  const approx = [];
  for (const q of queries) approx.push(await searchOnce(q));
  let hits = 0;
  for (let i = 0; i < QUERIES; i++) {
    const truth = new Set(exact[i].keys);
    hits += approx[i].keys.filter((k) => truth.has(k)).length;
  }
  const recall = hits / (QUERIES * K);

  const lat = (runs) => {
    const sorted = runs.map((r) => r.ms).sort((a, b) => a - b);
    return { p50: +pct(sorted, 50).toFixed(2), p99: +pct(sorted, 99).toFixed(2) };
  };
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    vectors: N,
    dimensions: D,
    distance: 'COSINE',
    queries: QUERIES,
    topK: K,
    loadSeconds: +(loadMs / 1000).toFixed(1),
    loadItemsPerSecond: Math.round(N / (loadMs / 1000)),
    firstSearchBuildMs: ms(buildMs),
    hnswBuildSeconds: +(annMs / 1000).toFixed(1),
    hnswReady: ready,
    eventLoopDelayDuringFirstSearchBuildMs: { p99: +(copyDelay.percentile(99) / 1e6).toFixed(1), max: +(copyDelay.max / 1e6).toFixed(1) },
    eventLoopDelayDuringHnswBuildMs: { p99: +(loopDelay.percentile(99) / 1e6).toFixed(1), max: +(loopDelay.max / 1e6).toFixed(1) },
    memory: {
      vectorMatrixMiB: +(matrixBytes / 2 ** 20).toFixed(1),
      rssGrowthExactMiB: +((rssExact - rssBefore) / 2 ** 20).toFixed(1),
      rssGrowthHnswMiB: +((rssAfter - rssExact) / 2 ** 20).toFixed(1),
    },
    exact: { ...lat(exact), recallAt10: 1 },
    hnsw: { ...lat(approx), recallAt10: +recall.toFixed(4) },
  };
  const md = [
    `# Vector index bench (${result.date})`,
    '',
    `${N.toLocaleString('en')} vectors × ${D} dims, COSINE, in process on LMDB (no HTTP). Machine: ${result.machine}.`,
    '',
    '| measure | value |',
    '|---|---|',
    `| load (BatchWriteItem, 8 in flight) | ${result.loadSeconds} s, ${result.loadItemsPerSecond} items/s |`,
    `| first search: build of the in-memory copy from the store | ${result.firstSearchBuildMs} ms |`,
    `| HNSW build (background) | ${result.hnswBuildSeconds} s |`,
    `| event-loop delay during the first search's build p99 / max | ${result.eventLoopDelayDuringFirstSearchBuildMs.p99} / ${result.eventLoopDelayDuringFirstSearchBuildMs.max} ms |`,
    `| event-loop delay during the HNSW build p99 / max | ${result.eventLoopDelayDuringHnswBuildMs.p99} / ${result.eventLoopDelayDuringHnswBuildMs.max} ms |`,
    `| memory: float32 matrix (allocated) / RSS growth for the copy / RSS growth for the HNSW graph | ${result.memory.vectorMatrixMiB} / ${result.memory.rssGrowthExactMiB} / ${result.memory.rssGrowthHnswMiB} MiB |`,
    `| SearchVectors exact (native brute force) p50 / p99 | ${result.exact.p50} / ${result.exact.p99} ms, recall@10 1 |`,
    `| SearchVectors HNSW p50 / p99 | ${result.hnsw.p50} / ${result.hnsw.p99} ms, recall@10 ${result.hnsw.recallAt10} |`,
    '',
  ].join('\n');
  console.log(md);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'vectors.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(out, 'vectors.md'), md);
} finally {
  await close();
}
