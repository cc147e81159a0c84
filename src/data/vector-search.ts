/**
 * @module data/vector-search
 * Similarity search over a vector index (SearchVectors). Each process keeps,
 * per vector index it has searched, an in-memory copy of the index's vectors
 * (one float32 matrix) with each entry's key and SearchSchema values. The
 * copy is a cache of the durable entries in the store, never the truth:
 * before every search it catches up with the index's change log
 * (data/vector-log), which every writer in every process extends in the same
 * commit as its entries; if the records it needs were trimmed it is rebuilt
 * from the entries. So nothing here assumes this is the only process
 * (docs/architecture.md, "Many processes, one database").
 *
 * Search:
 * - up to EXACT_MAX candidates (or while the approximate index is still
 *   being built): exact, by usearch's native brute force (SIMD), so the
 *   answer equals a brute-force search;
 * - more: usearch's HNSW graph, built in the background in slices of a few
 *   milliseconds (BUILD_SLICE_MS) once an index outgrows EXACT_MAX, kept in step with every change the
 *   log brings; a filtered search over a large index over-fetches from the
 *   graph and falls back to an exact search of the matching entries when
 *   too few survive the filter.
 * Candidates are re-scored in double precision from their float32 vectors
 * and ordered by DynamoDB's score (COSINE: 1 − cosine similarity, EUCLIDEAN:
 * distance, smallest first; DOT_PRODUCT: dot product, largest first); ties
 * go in entry-key order. The results' projected attributes are then read
 * from the store.
 *
 * usearch is native and external to the bundle: loaded at first use
 * (createRequire), so a server that never searches never loads it.
 */
import { createRequire } from 'node:module';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { TableRecord, VectorIndexRecord, DistanceFunction } from '../catalog/table-record.js';
import { indexPrefix, successor } from '../catalog/key-space.js';
import { decodeVectorEntry, searchValue } from '../indexes/vector-entries.js';
import { compareBytes } from '../storage/byte-order.js';
import type { AttributeValue, Item } from '../values/types.js';
import type { Database } from './database.js';
import { readVectorLog, vectorLogHead, vectorLogTrimPoint } from './vector-log.js';

/** Above this many candidates a search uses the approximate index (once built). */
let EXACT_MAX = 50_000;

/** Sets the size above which searches go approximate (tests and bench; the default suits production). */
export function setExactSearchLimit(limit: number): void {
  EXACT_MAX = limit;
}
/**
 * The approximate index is built on the event loop in slices of at most
 * about this long, each followed by a yield, so requests wait at most one
 * slice (usearch's add is synchronous native code). Measured with
 * monitorEventLoopDelay in bench/vectors.mjs: the largest delay during a
 * build went from tens of ms (256 vectors per step) to a few.
 */
const BUILD_SLICE_MS = 4;
/** Vectors per native add call within a slice (the clock is read between calls). */
const BUILD_BATCH = 8;
const SCAN_PAGE = 2_000;
/** How many more candidates than TopK an exact pass keeps for re-scoring in double precision. */
const MARGIN = 16;
/** Caches not searched for this long are dropped (their memory returned); the next search rebuilds. */
const IDLE_MS = 15 * 60_000;

interface Usearch {
  Index: new (config: Record<string, unknown>) => AnnIndex;
  exactSearch(dataset: Float32Array, queries: Float32Array, dimensions: number, count: number, metric: string, threads: number): Matches;
}
interface AnnIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads: number): void;
  search(vector: Float32Array, k: number, threads: number): Matches;
  remove(keys: bigint): number;
  size(): number;
}
interface Matches {
  keys: BigUint64Array;
  distances: Float32Array;
}

let usearch: Usearch | undefined;
function loadUsearch(): Usearch {
  return (usearch ??= createRequire(import.meta.url)('usearch') as Usearch);
}

function metricOf(distance: DistanceFunction): string {
  return distance === 'COSINE' ? 'cos' : distance === 'EUCLIDEAN' ? 'l2sq' : 'ip';
}

/** DynamoDB's score of `v` against the query (float32 inputs, double arithmetic). */
export function vectorScore(distance: DistanceFunction, query: Float32Array, v: Float32Array, offset = 0): number {
  const d = query.length;
  if (distance === 'EUCLIDEAN') {
    let sum = 0;
    for (let i = 0; i < d; i++) {
      const x = v[offset + i]! - query[i]!;
      sum += x * x;
    }
    return Math.sqrt(sum);
  }
  let dot = 0;
  let nq = 0;
  let nv = 0;
  for (let i = 0; i < d; i++) {
    const a = query[i]!;
    const b = v[offset + i]!;
    dot += a * b;
    nq += a * a;
    nv += b * b;
  }
  if (distance === 'DOT_PRODUCT') return dot;
  // A zero vector has no direction: scored as orthogonal (docs/compatibility.md).
  if (nq === 0 || nv === 0) return 1;
  return 1 - dot / Math.sqrt(nq * nv);
}

/** Whether score `a` ranks before `b`. */
function better(distance: DistanceFunction, a: number, b: number): boolean {
  return distance === 'DOT_PRODUCT' ? a > b : a < b;
}

interface Slot {
  key: Uint8Array;
  hex: string;
  /** The HASH value's key encoding (hex), when the index has a HASH. */
  partition: string | undefined;
  /** Each INLINE_FILTER attribute's key encoding (hex), in index.filters order. */
  filters: (string | undefined)[];
  label: number;
}

class VectorCache {
  matrix: Float32Array;
  count = 0;
  readonly slots: Slot[] = [];
  readonly byKey = new Map<string, number>();
  readonly slotOfLabel = new Map<number, number>();
  nextLabel = 1;
  applied = 0n;
  lastUsed = 0;
  ann: AnnIndex | undefined;
  annReady = false;
  annPending: number[] = [];
  building = false;
  private lock: Promise<void> = Promise.resolve();

  constructor(
    readonly tableId: number,
    readonly index: VectorIndexRecord,
  ) {
    this.matrix = new Float32Array(1024 * index.dimensions);
  }

  get dims(): number {
    return this.index.dimensions;
  }

  /** Runs `task` after every earlier one: one catch-up at a time per cache. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task);
    this.lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  upsert(key: Uint8Array, value: Uint8Array): void {
    const hex = Buffer.from(key).toString('hex');
    const { vector } = decodeVectorEntry(value, this.dims);
    let slot = this.byKey.get(hex);
    if (slot === undefined) {
      if ((this.count + 1) * this.dims > this.matrix.length) {
        const grown = new Float32Array(Math.max(this.matrix.length * 2, (this.count + 1) * this.dims));
        grown.set(this.matrix.subarray(0, this.count * this.dims));
        this.matrix = grown;
      }
      slot = this.count++;
      this.byKey.set(hex, slot);
    } else {
      // The entry changed: its old label leaves the graph (and any pending build) for good.
      const old = this.slots[slot]!.label;
      this.annForget(old);
      this.slotOfLabel.delete(old);
    }
    const label = this.nextLabel++;
    this.matrix.set(vector, slot * this.dims);
    this.slots[slot] = { key: Uint8Array.from(key), hex, ...schemaValues(this.index, value), label };
    this.slotOfLabel.set(label, slot);
    if (this.ann !== undefined) {
      if (this.annReady) this.ann.add(BigUint64Array.of(BigInt(label)), vector, 1);
      else this.annPending.push(label);
    }
  }

  remove(key: Uint8Array): void {
    const hex = Buffer.from(key).toString('hex');
    const slot = this.byKey.get(hex);
    if (slot === undefined) return;
    this.annForget(this.slots[slot]!.label);
    this.slotOfLabel.delete(this.slots[slot]!.label);
    this.byKey.delete(hex);
    // Keep the matrix dense: the last row moves into the hole.
    const last = --this.count;
    if (slot !== last) {
      const moved = this.slots[last]!;
      this.matrix.copyWithin(slot * this.dims, last * this.dims, (last + 1) * this.dims);
      this.slots[slot] = moved;
      this.byKey.set(moved.hex, slot);
      this.slotOfLabel.set(moved.label, slot);
    }
    this.slots.length = last;
  }

  private annForget(label: number): void {
    if (this.ann === undefined) return;
    try {
      this.ann.remove(BigInt(label));
    } catch {
      // Not in the graph yet (still pending): nothing to forget.
    }
  }

  /** Starts building the approximate index in the background, in steps that leave room for other requests. */
  startAnn(db: Database): void {
    if (this.ann !== undefined || this.building) return;
    const { Index } = loadUsearch();
    this.ann = new Index({
      dimensions: this.dims,
      metric: metricOf(this.index.distance),
      connectivity: 16,
      expansion_add: 128,
      expansion_search: 128,
    });
    this.annPending = this.slots.slice(0, this.count).map((s) => s.label);
    this.building = true;
    db.runInBackground(`building the vector index ${this.index.name}`, async () => {
      try {
        const vectors = new Float32Array(BUILD_BATCH * this.dims);
        while (this.annPending.length > 0 && !db.isClosed) {
          const sliceEnd = performance.now() + BUILD_SLICE_MS;
          do {
            const step = this.annPending.splice(0, BUILD_BATCH);
            const labels: bigint[] = [];
            for (const label of step) {
              const slot = this.slotOfLabel.get(label);
              if (slot === undefined) continue; // removed meanwhile
              vectors.set(this.matrix.subarray(slot * this.dims, (slot + 1) * this.dims), labels.length * this.dims);
              labels.push(BigInt(label));
            }
            // One thread: the slice is the unit of time the event loop gives up, whatever the core count.
            if (labels.length > 0) this.ann!.add(BigUint64Array.from(labels), vectors.subarray(0, labels.length * this.dims), 1);
          } while (this.annPending.length > 0 && performance.now() < sliceEnd);
          await yieldToEventLoop();
        }
        this.annReady = !db.isClosed;
      } finally {
        this.building = false;
      }
    });
  }

  /** The float32 matrix's allocation (the HNSW graph's own memory is native and not counted). */
  memoryBytes(): number {
    return this.matrix.byteLength;
  }
}

/** The SearchSchema values of an entry, read from its projected attributes (which always include them). */
function schemaValues(index: VectorIndexRecord, value: Uint8Array): { partition: string | undefined; filters: (string | undefined)[] } {
  if (index.hash === undefined && index.filters.length === 0) return { partition: undefined, filters: [] };
  const item = JSON.parse(Buffer.from(value.subarray(index.dimensions * 4)).toString('utf8')) as Item;
  return {
    partition: index.hash === undefined ? undefined : searchValue(item[index.hash]),
    filters: index.filters.map((name) => searchValue(item[name])),
  };
}

const caches = new WeakMap<Database, Map<string, VectorCache>>();

function cacheFor(db: Database, table: TableRecord, index: VectorIndexRecord): { cache: VectorCache; fresh: boolean } {
  let perDb = caches.get(db.root);
  if (perDb === undefined) caches.set(db.root, (perDb = new Map()));
  const now = Date.now();
  for (const [k, c] of perDb) if (now - c.lastUsed > IDLE_MS && c.lastUsed !== 0) perDb.delete(k);
  const name = `${table.id}/${index.id}`;
  let cache = perDb.get(name);
  if (cache === undefined || cache.index.dimensions !== index.dimensions) {
    cache = new VectorCache(table.id, index);
    perDb.set(name, cache);
    return { cache, fresh: true };
  }
  return { cache, fresh: false };
}

/** Reads every entry of the index into `cache`, then catches up from the log head read first. */
async function build(db: Database, table: TableRecord, cache: VectorCache): Promise<void> {
  const head = await vectorLogHead(db, table.id, cache.index.id);
  const start = indexPrefix(table.id, cache.index.id);
  const end = successor(start);
  let from = start;
  let sliceEnd = performance.now() + BUILD_SLICE_MS;
  for (;;) {
    const page = await db.engine.range(from, end, { limit: SCAN_PAGE });
    for (let i = 0; i < page.length; i++) {
      cache.upsert(page[i]!.key, page[i]!.value);
      // Decoding a page takes longer than a slice: yield within it too.
      if ((i & 63) === 63 && performance.now() > sliceEnd) {
        await yieldToEventLoop();
        sliceEnd = performance.now() + BUILD_SLICE_MS;
      }
    }
    if (page.length < SCAN_PAGE) break;
    const last = page[page.length - 1]!.key;
    from = new Uint8Array(last.length + 1);
    from.set(last);
    await yieldToEventLoop();
    sliceEnd = performance.now() + BUILD_SLICE_MS;
  }
  cache.applied = head;
}

/**
 * Brings `cache` up to every commit acknowledged before this call, by any
 * process; returns the cache to use (a new one when this one had to be
 * rebuilt).
 */
async function catchUp(db: Database, table: TableRecord, cache: VectorCache, fresh: boolean): Promise<VectorCache> {
  if (fresh) await build(db, table, cache);
  if (await applyLog(db, table, cache)) return cache;
  // Records this copy needed were trimmed: start again from the entries.
  const replacement = new VectorCache(table.id, cache.index);
  caches.get(db.root)?.set(`${table.id}/${cache.index.id}`, replacement);
  await build(db, table, replacement);
  await applyLog(db, table, replacement);
  return replacement;
}

/**
 * Applies the log records after the last one applied. False when some of
 * them may have been trimmed first: the trim point, read after the records
 * (the trimmer raises it before deleting), is above what was applied.
 */
async function applyLog(db: Database, table: TableRecord, cache: VectorCache): Promise<boolean> {
  for (;;) {
    const from = cache.applied;
    const records = await readVectorLog(db, table.id, cache.index.id, from, 1000);
    if ((await vectorLogTrimPoint(db, table.id, cache.index.id)) > from) return false;
    if (records.length === 0) return true;
    const unique = new Map<string, Uint8Array>();
    for (const record of records) for (const key of record.keys) unique.set(Buffer.from(key).toString('hex'), key);
    const keys = [...unique.values()];
    const values = await db.engine.getMany(keys);
    for (let i = 0; i < keys.length; i++) {
      const value = values[i];
      if (value === undefined) cache.remove(keys[i]!);
      else cache.upsert(keys[i]!, value);
    }
    cache.applied = records[records.length - 1]!.sequence;
    if (records.length < 1000) return true;
  }
}

export interface VectorQuery {
  readonly vector: Float32Array;
  readonly topK: number;
  /** The HASH attribute's value, required when the index has a HASH. */
  readonly partition?: AttributeValue;
  /** INLINE_FILTER equalities: attribute name → value. */
  readonly filters: ReadonlyMap<string, AttributeValue>;
}

export interface VectorResult {
  readonly item: Item;
  readonly score: number;
}

export interface VectorSearchOutcome {
  readonly results: VectorResult[];
  /** How many vectors were compared with the query (VectorSearchRequestBytes). */
  readonly examined: number;
  /** Bytes of the projected items read for the results. */
  readonly returnedBytes: number;
}

/** The cache of `index` in this process, caught up with the store. */
export async function currentVectors(db: Database, table: TableRecord, index: VectorIndexRecord): Promise<VectorCache> {
  const { cache, fresh } = cacheFor(db, table, index);
  const current = await cache.exclusive(() => catchUp(db, table, cache, fresh));
  current.lastUsed = Date.now();
  if (current.count > EXACT_MAX) current.startAnn(db);
  return current;
}

/** The TopK entries most similar to the query, with their projected attributes. */
export async function searchVectors(db: Database, table: TableRecord, index: VectorIndexRecord, query: VectorQuery): Promise<VectorSearchOutcome> {
  const cache = await currentVectors(db, table, index);
  const d = index.dimensions;
  const partition = query.partition === undefined ? undefined : searchValue(query.partition);
  const filters = index.filters.map((name) => (query.filters.has(name) ? searchValue(query.filters.get(name)) : undefined));
  const filtered = partition !== undefined || filters.some((f) => f !== undefined);
  const matches = (slot: Slot): boolean => {
    if (partition !== undefined && slot.partition !== partition) return false;
    for (let i = 0; i < filters.length; i++) if (filters[i] !== undefined && slot.filters[i] !== filters[i]) return false;
    return true;
  };

  let candidates: number[];
  let examined: number;
  if (!filtered) {
    if (cache.annReady && cache.count > EXACT_MAX) {
      candidates = annCandidates(cache, query.vector, query.topK + MARGIN);
      examined = candidates.length * Math.ceil(Math.log2(cache.count));
    } else {
      candidates = exactCandidates(cache, cache.matrix.subarray(0, cache.count * d), cache.count, query, undefined);
      examined = cache.count;
    }
  } else {
    const matching: number[] = [];
    for (let slot = 0; slot < cache.count; slot++) if (matches(cache.slots[slot]!)) matching.push(slot);
    candidates = [];
    examined = 0;
    if (cache.annReady && matching.length > EXACT_MAX) {
      // Over-fetch from the graph in proportion to how selective the filter is.
      const want = Math.min(cache.count, Math.ceil(((query.topK + MARGIN) * cache.count) / matching.length) * 2);
      candidates = annCandidates(cache, query.vector, want).filter((slot) => matches(cache.slots[slot]!));
      examined = want * Math.ceil(Math.log2(cache.count));
    }
    if (candidates.length < Math.min(query.topK, matching.length)) {
      const subset = new Float32Array(matching.length * d);
      for (let i = 0; i < matching.length; i++) subset.set(cache.matrix.subarray(matching[i]! * d, (matching[i]! + 1) * d), i * d);
      candidates = exactCandidates(cache, subset, matching.length, query, matching);
      examined += matching.length;
    }
  }

  // Re-score in double precision and order as DynamoDB does; ties in entry-key order.
  const scored = [...new Set(candidates)].map((slot) => ({ slot, score: vectorScore(index.distance, query.vector, cache.matrix, slot * d) }));
  scored.sort((a, b) =>
    a.score === b.score
      ? compareBytes(cache.slots[a.slot]!.key, cache.slots[b.slot]!.key)
      : better(index.distance, a.score, b.score)
        ? -1
        : 1,
  );
  const top = scored.slice(0, query.topK);
  const keys = top.map((t) => cache.slots[t.slot]!.key);
  const values = await db.engine.getMany(keys);
  const results: VectorResult[] = [];
  let returnedBytes = 0;
  for (let i = 0; i < top.length; i++) {
    const value = values[i];
    // Deleted since the catch-up (a concurrent write): it is no longer there to return.
    if (value === undefined) continue;
    const entry = decodeVectorEntry(value, d);
    returnedBytes += value.length;
    results.push({
      item: JSON.parse(Buffer.from(entry.json).toString('utf8')) as Item,
      score: vectorScore(index.distance, query.vector, entry.vector),
    });
  }
  return { results, examined, returnedBytes };
}

function exactCandidates(cache: VectorCache, dataset: Float32Array, rows: number, query: VectorQuery, slots: number[] | undefined): number[] {
  if (rows === 0) return [];
  const want = Math.min(rows, query.topK * 2 + MARGIN);
  const found = loadUsearch().exactSearch(dataset, query.vector, cache.dims, want, metricOf(cache.index.distance), 1);
  const out: number[] = [];
  for (const key of found.keys) {
    const row = Number(key);
    if (row < rows) out.push(slots === undefined ? row : slots[row]!);
  }
  return out;
}

function annCandidates(cache: VectorCache, vector: Float32Array, k: number): number[] {
  const found = cache.ann!.search(vector, Math.min(k, cache.ann!.size()), 1);
  const out: number[] = [];
  for (const label of found.keys) {
    const slot = cache.slotOfLabel.get(Number(label));
    if (slot !== undefined) out.push(slot);
  }
  return out;
}

/** Memory held by this process's copies of vector indexes, in bytes (bench, metrics). */
export function vectorCacheMemory(db: Database): number {
  let total = 0;
  for (const cache of caches.get(db.root)?.values() ?? []) total += cache.memoryBytes();
  return total;
}

/** Waits until the approximate index of `index` (if one is being built in this process) is ready (bench, tests). */
export async function vectorIndexSettled(db: Database, table: TableRecord, index: VectorIndexRecord): Promise<boolean> {
  const cache = await currentVectors(db, table, index);
  while (cache.building) await new Promise((r) => setTimeout(r, 50));
  return cache.annReady;
}
