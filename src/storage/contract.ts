/**
 * @module storage/contract
 * The storage contract suite (docs/architecture.md, "The storage contract"): every StorageEngine backend runs
 * these tests (memory-engine.test.ts, lmdb-engine.test.ts, and a future
 * postgres-engine.test.ts) by calling runContractSuite with a factory that
 * opens a fresh, empty engine. Nothing here knows which backend it tests;
 * a backend that cannot pass a test must skip it with a reason.
 *
 * An engine whose data other handles can share (capabilities.
 * sharedAcrossProcesses) also runs the shared-data tests: a second handle
 * on the same data, in this process and in a child process
 * (contract-child.ts), must see every acknowledged commit at once and race
 * correctly on expectations and sequence numbers.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import type { ChildEngineSpec } from './contract-child.js';
import {
  createRace,
  increments,
  keyedIncrements,
  numberedBursts,
  prefixEnd,
  recordKey,
  recordSequence,
  sequenceWriter,
  tailRecords,
} from './contract-workloads.js';
import { CommitConflictError, SEQUENCE_COUNTER_KEY, StaleFenceError } from './engine.js';
import type { KvEntry, StorageEngine } from './engine.js';

export interface ContractSuiteOptions {
  /** Scales the "many keys" test (default 20,000 keys). */
  readonly manyKeys?: number;
  /** How other handles reach an engine's data; required when the engine declares it shared. */
  readonly shared?: SharedAccess;
}

export interface SharedAccess {
  /** Opens another handle, in this process, on the data `engine` holds. */
  openAnother(engine: StorageEngine): Promise<StorageEngine>;
  /** What contract-child.js needs to open the same data in a child process. */
  childSpec(engine: StorageEngine): ChildEngineSpec;
}

const childPath = fileURLToPath(new URL('./contract-child.js', import.meta.url));

/** Runs a workload in a child process on the same data; resolves with its JSON result. */
async function inChild(spec: ChildEngineSpec, workload: string, args: Record<string, string | number>): Promise<unknown> {
  const child = spawn(process.execPath, [childPath, JSON.stringify(spec), workload, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `child ${workload} failed: ${stderr}`);
  return JSON.parse(stdout.trim()) as unknown;
}

const enc = new TextEncoder();

/** A key from a string, or from bytes. */
function k(value: string | readonly number[]): Uint8Array {
  return typeof value === 'string' ? enc.encode(value) : Uint8Array.from(value);
}

function hex(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

function hexEntries(entries: readonly KvEntry[]): string[] {
  return entries.map((e) => `${hex(e.key)}=${hex(e.value)}`);
}

function hexKeys(entries: readonly KvEntry[]): string[] {
  return entries.map((e) => hex(e.key) ?? '');
}

function sortedHex(keys: readonly Uint8Array[]): string[] {
  return keys
    .slice()
    .sort((a, b) => Buffer.compare(a, b))
    .map((key) => hex(key) ?? '');
}

/** mulberry32: a small seeded PRNG, so a failing randomized run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Transfers {
  readonly accounts: Uint8Array[];
  decode(bytes: Uint8Array | undefined): number;
  /** How many moves have committed so far. */
  moved(): number;
  /** Ends the movers and waits for them. */
  stop(): Promise<void>;
}

/**
 * Accounts of 100 units each, and `movers` concurrent loops that each keep
 * moving one unit between two random accounts in one compare-and-set commit
 * (a lost race is skipped), so every consistent read of all the accounts sums
 * to 100 per account.
 */
async function startTransfers(
  engine: StorageEngine,
  options: { accounts: number; name: (i: number) => string; movers: number; seed: number },
): Promise<Transfers> {
  const n = options.accounts;
  const accounts = Array.from({ length: n }, (_, i) => k(options.name(i)));
  const encode = (value: number): Uint8Array => k(String(value));
  const decode = (bytes: Uint8Array | undefined): number => Number(Buffer.from(bytes!).toString());
  await engine.commit(accounts.map((key) => ({ key, value: encode(100) })));
  const random = prng(options.seed);
  let stop = false;
  let moved = 0;
  const movers = Array.from({ length: options.movers }, async () => {
    while (!stop) {
      // Yield a macrotask: an engine whose promises settle at once
      // would otherwise starve the readers.
      await new Promise((resolve) => setImmediate(resolve));
      const from = Math.floor(random() * n);
      const to = (from + 1 + Math.floor(random() * (n - 1))) % n;
      const [a, b] = await engine.getMany([accounts[from]!, accounts[to]!]);
      try {
        await engine.commit(
          [
            { key: accounts[from]!, value: encode(decode(a) - 1) },
            { key: accounts[to]!, value: encode(decode(b) + 1) },
          ],
          [
            { key: accounts[from]!, value: a ?? null },
            { key: accounts[to]!, value: b ?? null },
          ],
        );
        moved++;
      } catch (error) {
        if (!(error instanceof CommitConflictError)) throw error;
      }
    }
  });
  return {
    accounts,
    decode,
    moved: () => moved,
    stop: async () => {
      stop = true;
      await Promise.all(movers);
    },
  };
}

function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** A long key: `length` bytes of a shared filler ending in `suffix`. */
function longKey(length: number, suffix: readonly number[], fill = 0x61): Uint8Array {
  const key = new Uint8Array(length).fill(fill);
  key.set(suffix, length - suffix.length);
  return key;
}

async function rejectsWithConflict(promise: Promise<unknown>, index: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CommitConflictError, `expected CommitConflictError, got ${String(error)}`);
    assert.equal(error.expectationIndex, index);
    return true;
  });
}

/** The end of sequenceWriter's records under a prefix: its markers start at prefix ++ 0xff. */
function recordsEnd(prefix: string): Uint8Array {
  return new Uint8Array([...k(prefix), 0xff]);
}

const EMPTY = new Uint8Array(0);
const TOP = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

export function runContractSuite(
  name: string,
  open: () => Promise<StorageEngine>,
  options: ContractSuiteOptions = {},
): void {
  async function withEngine(fn: (engine: StorageEngine) => Promise<void>): Promise<void> {
    const engine = await open();
    try {
      await fn(engine);
    } finally {
      await engine.close();
    }
  }

  describe(`storage contract: ${name}`, () => {
    test('get, put, overwrite and delete', () =>
      withEngine(async (engine) => {
        assert.equal(await engine.get(k('a')), undefined);
        await engine.commit([{ key: k('a'), value: k('1') }]);
        assert.equal(hex(await engine.get(k('a'))), hex(k('1')));
        await engine.commit([{ key: k('a'), value: k('22') }]);
        assert.equal(hex(await engine.get(k('a'))), hex(k('22')));
        await engine.commit([{ key: k('a'), value: null }]);
        assert.equal(await engine.get(k('a')), undefined);
        // Deleting an absent key is not an error.
        await engine.commit([{ key: k('never'), value: null }]);
        assert.equal(await engine.get(k('never')), undefined);
      }));

    test('an empty value is a value, not an absence', () =>
      withEngine(async (engine) => {
        await engine.commit([{ key: k('e'), value: EMPTY }]);
        const value = await engine.get(k('e'));
        assert.ok(value instanceof Uint8Array);
        assert.equal(value.length, 0);
        await engine.commit([], [{ key: k('e'), value: EMPTY }]);
        await rejectsWithConflict(engine.commit([], [{ key: k('e'), value: null }]), 0);
      }));

    test('stored bytes are isolated from the caller’s arrays', () =>
      withEngine(async (engine) => {
        const key = k('iso');
        const value = k('abc');
        await engine.commit([{ key, value }]);
        key[0] = 0x7a;
        value[0] = 0x7a;
        const read = await engine.get(k('iso'));
        assert.equal(hex(read), hex(k('abc')));
        read![0] = 0x7a;
        assert.equal(hex(await engine.get(k('iso'))), hex(k('abc')));
        const [entry] = await engine.range(k('iso'), k('isp'));
        entry!.value[0] = 0x7a;
        assert.equal(hex(await engine.get(k('iso'))), hex(k('abc')));
      }));

    test('commit takes its arguments when called: later mutation changes nothing', () =>
      withEngine(async (engine) => {
        await engine.commit([{ key: k('m'), value: k('old') }]);
        const key = k('m');
        const value = k('new');
        const expected = k('old');
        const pending = engine.commit([{ key, value }], [{ key, value: expected }]);
        key.fill(0x7a);
        value.fill(0x7a);
        expected.fill(0x7a);
        await pending;
        assert.equal(hex(await engine.get(k('m'))), hex(k('new')));
        assert.equal(await engine.get(key), undefined);
      }));

    test('a key written twice in one commit keeps the last write', () =>
      withEngine(async (engine) => {
        await engine.commit([
          { key: k('d'), value: k('1') },
          { key: k('d'), value: k('2') },
          { key: k('x'), value: k('1') },
          { key: k('x'), value: null },
        ]);
        assert.equal(hex(await engine.get(k('d'))), hex(k('2')));
        assert.equal(await engine.get(k('x')), undefined);
      }));

    test('rejects empty or non-byte keys and values', () =>
      withEngine(async (engine) => {
        await assert.rejects(engine.commit([{ key: EMPTY, value: k('v') }]), TypeError);
        await assert.rejects(engine.get(EMPTY), TypeError);
        await assert.rejects(engine.commit([{ key: 'a' as unknown as Uint8Array, value: k('v') }]), TypeError);
        await assert.rejects(engine.commit([{ key: k('a'), value: 'v' as unknown as Uint8Array }]), TypeError);
        await assert.rejects(engine.range(k('a'), k('b'), { limit: -1 }), RangeError);
        await assert.rejects(engine.range(k('a'), k('b'), { limit: 1.5 }), RangeError);
        // A rejected commit wrote nothing, not even its valid writes.
        await assert.rejects(
          engine.commit([
            { key: k('ok'), value: k('v') },
            { key: EMPTY, value: k('v') },
          ]),
          TypeError,
        );
        assert.equal(await engine.get(k('ok')), undefined);
      }));

    describe('range', () => {
      // Unsigned byte order: 0x80 and above sort after 0x7f (a signed or
      // UTF-16 comparison gets this wrong), and a prefix sorts first.
      const keys = [
        [0x00],
        [0x01],
        [0x01, 0x00],
        [0x01, 0xff],
        [0x02],
        [0x7f],
        [0x7f, 0xff, 0xff],
        [0x80],
        [0x80, 0x00],
        [0xc3, 0xa9],
        [0xfe],
        [0xff],
        [0xff, 0x00],
        [0xff, 0xff],
      ].map(k);
      const ordered = sortedHex(keys);

      async function seeded(fn: (engine: StorageEngine) => Promise<void>): Promise<void> {
        await withEngine(async (engine) => {
          // Written in a scrambled order so insertion order cannot pass for key order.
          const scrambled = keys.map((key, i) => ({ key, i })).sort((a, b) => ((a.i * 7) % 5) - ((b.i * 7) % 5));
          await engine.commit(scrambled.map(({ key, i }) => ({ key, value: k(`v${i}`) })));
          await fn(engine);
        });
      }

      test('returns every key in unsigned byte order with its value', () =>
        seeded(async (engine) => {
          const all = await engine.range(EMPTY, TOP);
          assert.deepEqual(hexKeys(all), ordered);
          for (const entry of all) {
            const i = keys.findIndex((key) => hex(key) === hex(entry.key));
            assert.equal(hex(entry.value), hex(k(`v${i}`)));
          }
        }));

      test('start is inclusive, end exclusive', () =>
        seeded(async (engine) => {
          assert.deepEqual(hexKeys(await engine.range(k([0x01]), k([0x02]))), ['01', '0100', '01ff']);
          assert.deepEqual(hexKeys(await engine.range(k([0x01, 0x00]), k([0x7f]))), ['0100', '01ff', '02']);
          // Bounds that are not stored keys.
          assert.deepEqual(hexKeys(await engine.range(k([0x01, 0x01]), k([0x7f, 0x00]))), ['01ff', '02', '7f']);
          assert.deepEqual(hexKeys(await engine.range(k([0x7f, 0xff]), k([0x80, 0x00]))), ['7fffff', '80']);
          assert.deepEqual(hexKeys(await engine.range(k([0xff]), TOP)), ['ff', 'ff00', 'ffff']);
          assert.deepEqual(hexKeys(await engine.range(EMPTY, k([0x01]))), ['00']);
        }));

      test('an empty or inverted range is empty', () =>
        seeded(async (engine) => {
          assert.deepEqual(await engine.range(k([0x02]), k([0x02])), []);
          assert.deepEqual(await engine.range(k([0x80]), k([0x02])), []);
          assert.deepEqual(await engine.range(k([0x80]), k([0x02]), { reverse: true }), []);
          assert.deepEqual(await engine.range(EMPTY, EMPTY), []);
        }));

      test('reverse walks the same range from the top', () =>
        seeded(async (engine) => {
          assert.deepEqual(hexKeys(await engine.range(EMPTY, TOP, { reverse: true })), ordered.slice().reverse());
          assert.deepEqual(hexKeys(await engine.range(k([0x01]), k([0x02]), { reverse: true })), ['01ff', '0100', '01']);
          // The exclusive end is excluded in reverse too, inclusive start included.
          assert.deepEqual(hexKeys(await engine.range(k([0x7f]), k([0x80]), { reverse: true })), ['7fffff', '7f']);
          assert.deepEqual(hexKeys(await engine.range(k([0x7f, 0x00]), k([0x80, 0x01]), { reverse: true })), [
            '8000',
            '80',
            '7fffff',
          ]);
        }));

      test('limit caps the result from the walking end', () =>
        seeded(async (engine) => {
          assert.deepEqual(hexKeys(await engine.range(EMPTY, TOP, { limit: 3 })), ordered.slice(0, 3));
          assert.deepEqual(
            hexKeys(await engine.range(EMPTY, TOP, { limit: 3, reverse: true })),
            ordered.slice().reverse().slice(0, 3),
          );
          assert.deepEqual(await engine.range(EMPTY, TOP, { limit: 0 }), []);
          assert.equal((await engine.range(EMPTY, TOP, { limit: 1000 })).length, keys.length);
          assert.deepEqual(hexKeys(await engine.range(k([0x80]), TOP, { limit: 2 })), ['80', '8000']);
        }));

      test('paging with limit visits every key once', () =>
        seeded(async (engine) => {
          const forward: string[] = [];
          let start: Uint8Array = EMPTY;
          for (;;) {
            const page = await engine.range(start, TOP, { limit: 4 });
            forward.push(...hexKeys(page));
            if (page.length < 4) break;
            // The next key after `last` is last ++ 0x00.
            const last = page[page.length - 1]!.key;
            start = Uint8Array.from([...last, 0]);
          }
          assert.deepEqual(forward, ordered);
          const backward: string[] = [];
          let end: Uint8Array = TOP;
          for (;;) {
            const page = await engine.range(EMPTY, end, { limit: 4, reverse: true });
            backward.push(...hexKeys(page));
            if (page.length < 4) break;
            end = page[page.length - 1]!.key;
          }
          assert.deepEqual(backward, ordered.slice().reverse());
        }));
    });

    describe('atomic commits', () => {
      test('a multi-key commit applies puts and deletes together', () =>
        withEngine(async (engine) => {
          await engine.commit([
            { key: k('a'), value: k('1') },
            { key: k('b'), value: k('1') },
          ]);
          await engine.commit([
            { key: k('a'), value: null },
            { key: k('b'), value: k('2') },
            { key: k('c'), value: k('3') },
          ]);
          assert.deepEqual(hexEntries(await engine.range(EMPTY, TOP)), [
            `${hex(k('b'))}=${hex(k('2'))}`,
            `${hex(k('c'))}=${hex(k('3'))}`,
          ]);
        }));

      test('expectations: absent and equal hold, the batch applies', () =>
        withEngine(async (engine) => {
          await engine.commit([{ key: k('x'), value: k('old') }]);
          await engine.commit(
            [
              { key: k('x'), value: k('new') },
              { key: k('y'), value: k('1') },
            ],
            [
              { key: k('x'), value: k('old') },
              { key: k('y'), value: null },
              { key: k('unwritten'), value: null },
            ],
          );
          assert.equal(hex(await engine.get(k('x'))), hex(k('new')));
          assert.equal(hex(await engine.get(k('y'))), hex(k('1')));
        }));

      test('a failed expectation rejects with its index and writes nothing', () =>
        withEngine(async (engine) => {
          await engine.commit([
            { key: k('x'), value: k('abc') },
            { key: k('keep'), value: k('1') },
          ]);
          const writes = [
            { key: k('x'), value: k('changed') },
            { key: k('keep'), value: null },
            { key: k('fresh'), value: k('1') },
          ];
          const mismatches = [
            k('abd'), // different byte
            k('ab'), // prefix of the stored value
            k('abcd'), // extension of it
            EMPTY,
          ];
          for (const value of mismatches) {
            await rejectsWithConflict(engine.commit(writes, [{ key: k('x'), value }]), 0);
          }
          // Present when expected absent; absent when a value is expected.
          await rejectsWithConflict(
            engine.commit(writes, [
              { key: k('fresh'), value: null },
              { key: k('x'), value: null },
            ]),
            1,
          );
          await rejectsWithConflict(engine.commit(writes, [{ key: k('missing'), value: k('abc') }]), 0);
          assert.equal(hex(await engine.get(k('x'))), hex(k('abc')));
          assert.equal(hex(await engine.get(k('keep'))), hex(k('1')));
          assert.equal(await engine.get(k('fresh')), undefined);
          assert.equal((await engine.range(EMPTY, TOP)).length, 2);
        }));

      test('of N concurrent conflicting commits exactly one wins', () =>
        withEngine(async (engine) => {
          for (const spread of [false, true]) {
            const key = k(`race-${spread}`);
            const contenders = Array.from({ length: 32 }, async (_, i) => {
              // Spread: contenders start in different event-loop turns.
              if (spread) await new Promise((resolve) => setTimeout(resolve, i % 4));
              return engine.commit(
                [
                  { key, value: k(`winner-${i}`) },
                  { key: k(`race-${spread}-side-${i}`), value: k('1') },
                ],
                [{ key, value: null }],
              );
            });
            const results = await Promise.allSettled(contenders);
            const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
            assert.equal(winners.length, 1, `winners: ${winners.join(',')}`);
            for (const r of results) {
              if (r.status === 'rejected') assert.ok(r.reason instanceof CommitConflictError);
            }
            assert.equal(hex(await engine.get(key)), hex(k(`winner-${winners[0]}`)));
            // Only the winner's other write exists: losers wrote nothing.
            const sides = await engine.range(k(`race-${spread}-side-`), k(`race-${spread}-side.`));
            assert.deepEqual(hexKeys(sides), [hex(k(`race-${spread}-side-${winners[0]}`))]);
          }
        }));

      test('compare-and-set increments lose no update', () =>
        withEngine(async (engine) => {
          const key = k('counter');
          const workers = 8;
          const perWorker = 15;
          const conflicts = await increments(engine, key, workers, perWorker);
          assert.equal(Buffer.from((await engine.get(key))!).toString(), String(workers * perWorker));
          // Not a requirement on the engine, but proof the test raced at all.
          assert.ok(conflicts > 0, 'expected some increments to conflict');
        }));
    });

    test('getMany and range read one consistent snapshot under concurrent commits', () =>
      withEngine(async (engine) => {
        // Ten accounts; every commit moves one unit between two of them, so
        // any consistent read sums to 1000.
        const transfers = await startTransfers(engine, { accounts: 10, name: (i) => `acct-${i}`, movers: 4, seed: 7 });
        const { accounts, decode } = transfers;
        const readers = (async () => {
          for (let i = 0; i < 150; i++) {
            const values = await engine.getMany(accounts);
            assert.equal(values.reduce((sum, v) => sum + decode(v), 0), 1000);
            const entries = await engine.range(k('acct-'), k('acct.'), { reverse: i % 2 === 1 });
            assert.equal(entries.length, 10);
            assert.equal(entries.reduce((sum, e) => sum + decode(e.value), 0), 1000);
            await new Promise((resolve) => setImmediate(resolve));
          }
        })();
        try {
          await readers;
        } finally {
          await transfers.stop();
        }
      }));

    test('a returned range is unaffected by later commits', () =>
      withEngine(async (engine) => {
        await engine.commit([
          { key: k('r1'), value: k('a') },
          { key: k('r2'), value: k('b') },
        ]);
        const pending = engine.range(k('r'), k('s'));
        const write = engine.commit([
          { key: k('r1'), value: null },
          { key: k('r3'), value: k('c') },
        ]);
        const [before] = await Promise.all([pending, write]);
        // Started before the commit, so it sees the state before it: a range
        // is one snapshot, never a mix of states.
        const keysSeen = hexKeys(before);
        assert.ok(
          JSON.stringify(keysSeen) === JSON.stringify([hex(k('r1')), hex(k('r2'))]) ||
            JSON.stringify(keysSeen) === JSON.stringify([hex(k('r2')), hex(k('r3'))]),
          `range mixed two states: ${keysSeen.join(',')}`,
        );
        const after = await engine.range(k('r'), k('s'));
        assert.deepEqual(hexKeys(after), [hex(k('r2')), hex(k('r3'))]);
      }));

    describe('snapshots', () => {
      test('a snapshot reads the state of its creation, whatever commits after it', () =>
        withEngine(async (engine) => {
          await engine.commit([
            { key: k('s1'), value: k('a') },
            { key: k('s2'), value: k('b') },
          ]);
          const snapshot = await engine.snapshot();
          try {
            await engine.commit([
              { key: k('s1'), value: null },
              { key: k('s2'), value: k('B') },
              { key: k('s3'), value: k('c') },
            ]);
            assert.equal(hex(await snapshot.get(k('s1'))), hex(k('a')));
            assert.equal(hex(await snapshot.get(k('s3'))), undefined);
            assert.deepEqual(hexEntries(await snapshot.range(k('s'), k('t'))), [
              `${hex(k('s1'))}=${hex(k('a'))}`,
              `${hex(k('s2'))}=${hex(k('b'))}`,
            ]);
            assert.deepEqual(hexKeys(await snapshot.range(k('s'), k('t'), { reverse: true, limit: 1 })), [hex(k('s2'))]);
            assert.deepEqual(hexKeys(await snapshot.range(k('t'), k('s'))), []);
            // The engine itself has moved on.
            assert.deepEqual(hexKeys(await engine.range(k('s'), k('t'))), [hex(k('s2')), hex(k('s3'))]);
          } finally {
            await snapshot.release();
          }
          await snapshot.release();
          await assert.rejects(snapshot.range(k('s'), k('t')));
          await assert.rejects(snapshot.get(k('s1')));
        }));

      test('pages read from one snapshot over time are one consistent state under concurrent commits', () =>
        withEngine(async (engine) => {
          const transfers = await startTransfers(engine, {
            accounts: 40,
            name: (i) => `acct-${String(i).padStart(2, '0')}`,
            movers: 3,
            seed: 11,
          });
          const { decode } = transfers;
          try {
            for (let round = 0; round < 5; round++) {
              const snapshot = await engine.snapshot();
              try {
                // Five pages, with commits landing between them.
                let sum = 0;
                let seen = 0;
                let after = k('acct-');
                for (;;) {
                  const page = await snapshot.range(after, k('acct.'), { limit: 8 });
                  if (page.length === 0) break;
                  for (const entry of page) sum += decode(entry.value);
                  seen += page.length;
                  after = Uint8Array.from([...page[page.length - 1]!.key, 0]);
                  const before = transfers.moved();
                  for (let i = 0; i < 50 && transfers.moved() === before; i++) await new Promise((resolve) => setTimeout(resolve, 1));
                }
                assert.equal(seen, 40);
                assert.equal(sum, 4000);
              } finally {
                await snapshot.release();
              }
            }
          } finally {
            await transfers.stop();
          }
          assert.ok(transfers.moved() > 0, 'the movers never committed');
        }));
    });

    test('a value read stays itself when later reads reuse the engine’s buffers', () =>
      withEngine(async (engine) => {
        await engine.commit([
          { key: k('va'), value: k('first value') },
          { key: k('vb'), value: k('second, longer value') },
        ]);
        const a = await engine.get(k('va'));
        const [ranged] = await engine.range(k('va'), k('vb'));
        const many = await engine.getMany([k('va'), k('vb')]);
        await engine.get(k('vb'));
        await engine.range(k('vb'), k('vc'));
        assert.equal(hex(a), hex(k('first value')));
        assert.equal(hex(ranged!.value), hex(k('first value')));
        assert.deepEqual(many.map(hex), [hex(k('first value')), hex(k('second, longer value'))]);
      }));

    test('values of about 400 KB round-trip whole', () =>
      withEngine(async (engine) => {
        const random = prng(400);
        const values = [400 * 1024, 400 * 1024 - 1, 409_600 + 1000].map((n) => randomBytes(random, n));
        await engine.commit(values.map((value, i) => ({ key: k(`big-${i}`), value })));
        for (let i = 0; i < values.length; i++) {
          assert.ok(Buffer.from((await engine.get(k(`big-${i}`)))!).equals(values[i]!), `big-${i} differs`);
        }
        const entries = await engine.range(k('big-'), k('big.'));
        assert.equal(entries.length, 3);
        entries.forEach((e, i) => assert.ok(Buffer.from(e.value).equals(values[i]!)));
        // Conditional replace of a big value by a big value.
        await engine.commit([{ key: k('big-0'), value: values[1]! }], [{ key: k('big-0'), value: values[0]! }]);
        assert.ok(Buffer.from((await engine.get(k('big-0')))!).equals(values[1]!));
      }));

    describe('long keys', () => {
      // 3.3 KB: the largest item key plus index parts; 8 KB: beyond any
      // backend's native limit.
      for (const length of [3300, 8200]) {
        test(`${length}-byte keys: get, commit, expectations and order`, () =>
          withEngine(async (engine) => {
            // Keys that share all but their last bytes, plus one that is a
            // prefix of the others, plus neighbours that differ early.
            const keys = [
              longKey(length, [0x00]),
              longKey(length, [0x01]),
              longKey(length, [0x80]),
              longKey(length, [0xff]),
              longKey(length, [0x80, 0x00]),
              longKey(length - 1, [0x7f]),
              longKey(length - 100, []),
              longKey(length + 5, [0x01, 0x02]),
              longKey(length, [0x00], 0x60),
              longKey(length, [0x00], 0x62),
              k('short'),
            ];
            await engine.commit(keys.map((key, i) => ({ key, value: k(`v${i}`) })));
            for (let i = 0; i < keys.length; i++) {
              assert.equal(hex(await engine.get(keys[i]!)), hex(k(`v${i}`)), `key ${i}`);
            }
            assert.equal(await engine.get(longKey(length, [0x02])), undefined);
            const ordered = sortedHex(keys);
            assert.deepEqual(hexKeys(await engine.range(EMPTY, TOP)), ordered);
            assert.deepEqual(hexKeys(await engine.range(EMPTY, TOP, { reverse: true })), ordered.slice().reverse());
            for (let limit = 1; limit <= keys.length; limit++) {
              assert.deepEqual(hexKeys(await engine.range(EMPTY, TOP, { limit })), ordered.slice(0, limit));
              assert.deepEqual(
                hexKeys(await engine.range(EMPTY, TOP, { limit, reverse: true })),
                ordered.slice().reverse().slice(0, limit),
              );
            }
            // Long bounds, inclusive start and exclusive end.
            const lo = longKey(length, [0x01]);
            const hi = longKey(length, [0xff]);
            const inside = ordered.filter((key) => key >= (hex(lo) ?? '') && key < (hex(hi) ?? ''));
            assert.deepEqual(hexKeys(await engine.range(lo, hi)), inside);
            assert.deepEqual(hexKeys(await engine.range(lo, hi, { reverse: true })), inside.slice().reverse());
            assert.ok(inside.length >= 3);
            // Expectations and deletes by long key.
            await rejectsWithConflict(engine.commit([{ key: lo, value: null }], [{ key: lo, value: k('v0') }]), 0);
            await rejectsWithConflict(engine.commit([{ key: lo, value: null }], [{ key: lo, value: null }]), 0);
            await engine.commit([{ key: lo, value: null }], [{ key: lo, value: k('v1') }]);
            assert.equal(await engine.get(lo), undefined);
            assert.equal(hex(await engine.get(keys[0]!)), hex(k('v0')));
            assert.equal((await engine.range(EMPTY, TOP)).length, keys.length - 1);
          }));
      }
    });

    test('many keys: order, count, reverse and paging', () =>
      withEngine(async (engine) => {
        const count = options.manyKeys ?? 20_000;
        const random = prng(20_000);
        const keys = new Map<string, Uint8Array>();
        while (keys.size < count) {
          // Varied lengths and shared prefixes, including high bytes.
          const key = randomBytes(random, 1 + Math.floor(random() * 12));
          key[0] = (key[0] ?? 0) % 4 === 0 ? 0x80 : (key[0] ?? 0);
          keys.set(hex(key) ?? '', key);
        }
        const all = [...keys.values()];
        for (let i = 0; i < all.length; i += 1000) {
          await engine.commit(all.slice(i, i + 1000).map((key) => ({ key, value: key })));
        }
        const ordered = sortedHex(all);
        const forward = await engine.range(EMPTY, TOP);
        assert.equal(forward.length, count);
        assert.deepEqual(hexKeys(forward), ordered);
        assert.ok(forward.every((e) => hex(e.key) === hex(e.value)));
        assert.deepEqual(hexKeys(await engine.range(EMPTY, TOP, { reverse: true })), ordered.slice().reverse());
        // A middle window.
        const from = all[0]!;
        const to = all[1]!;
        const [lo, hi] = Buffer.compare(from, to) < 0 ? [from, to] : [to, from];
        const window = ordered.filter((key) => key >= (hex(lo) ?? '') && key < (hex(hi) ?? ''));
        assert.deepEqual(hexKeys(await engine.range(lo, hi)), window);
        assert.deepEqual(hexKeys(await engine.range(lo, hi, { reverse: true, limit: 50 })), window.reverse().slice(0, 50));
        const sample = all.filter((_, i) => i % 97 === 0);
        const got = await engine.getMany([...sample, k([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])]);
        assert.equal(got.pop(), undefined);
        got.forEach((value, i) => assert.equal(hex(value), hex(sample[i])));
      }));

    test('randomized operations match a reference model', () =>
      withEngine(async (engine) => {
        // Keys drawn from few prefixes of varying length, so long keys share
        // long prefixes (the hard case for a backend that shortens keys).
        const random = prng(1234);
        const prefixes = [longKey(3400, []), longKey(5000, [], 0x62), k('p'), longKey(60, []), longKey(4100, [0xff])];
        const makeKey = (): Uint8Array => {
          const prefix = prefixes[Math.floor(random() * prefixes.length)]!;
          const cut = random() < 0.2 ? Math.floor(random() * prefix.length) + 1 : prefix.length;
          const tail = randomBytes(random, Math.floor(random() * 3));
          const key = new Uint8Array(cut + tail.length);
          key.set(prefix.subarray(0, cut));
          key.set(tail, cut);
          return key;
        };
        const model = new Map<string, { key: Uint8Array; value: Uint8Array }>();
        for (let round = 0; round < 60; round++) {
          const writes = Array.from({ length: 1 + Math.floor(random() * 8) }, () => ({
            key: makeKey(),
            value: random() < 0.25 ? null : randomBytes(random, Math.floor(random() * 20)),
          }));
          await engine.commit(writes);
          for (const w of writes) {
            if (w.value === null) model.delete(hex(w.key) ?? '');
            else model.set(hex(w.key) ?? '', { key: w.key, value: w.value });
          }
          for (let q = 0; q < 3; q++) {
            let a: Uint8Array = random() < 0.2 ? EMPTY : makeKey();
            let b: Uint8Array = random() < 0.2 ? TOP : makeKey();
            if (Buffer.compare(a, b) > 0) [a, b] = [b, a];
            const reverse = random() < 0.5;
            const limit = random() < 0.5 ? undefined : Math.floor(random() * 6);
            const expected = [...model.values()]
              .filter((e) => Buffer.compare(e.key, a) >= 0 && Buffer.compare(e.key, b) < 0)
              .sort((x, y) => (reverse ? -1 : 1) * Buffer.compare(x.key, y.key))
              .slice(0, limit ?? Infinity);
            const actual = await engine.range(a, b, { reverse, ...(limit === undefined ? {} : { limit }) });
            assert.deepEqual(hexEntries(actual), hexEntries(expected), `round ${round} query ${q}`);
          }
        }
        const everything = await engine.range(EMPTY, TOP);
        assert.equal(everything.length, model.size);
        for (const { key, value } of model.values()) assert.equal(hex(await engine.get(key)), hex(value));
      }));

    describe('engine-issued sequence numbers', () => {
      const record = (prefix: string, n: bigint): Uint8Array => {
        const key = new Uint8Array(prefix.length + 8);
        key.set(k(prefix), 0);
        new DataView(key.buffer).setBigUint64(prefix.length, n);
        return key;
      };

      test('consecutive numbers above every earlier one and at least the floor, written in the same commit', () =>
        withEngine(async (engine) => {
          const issued: bigint[] = [];
          const take = (count: number, floor: bigint, expectations: { key: Uint8Array; value: Uint8Array | null }[] = []) =>
            engine.commit([{ key: k(`own-${issued.length}`), value: k('x') }], expectations, {
              sequence: {
                count,
                floor,
                writes: (first) => {
                  issued.push(first);
                  return Array.from({ length: count }, (_, i) => ({ key: record('s/', first + BigInt(i)), value: k(`${count}`) }));
                },
              },
            });
          await take(3, 0n);
          await take(1, 0n);
          assert.equal(issued[1], issued[0]! + 3n);
          await take(2, 1_000_000n);
          assert.equal(issued[2], 1_000_000n);
          // A floor below the counter changes nothing.
          await take(1, 5n);
          assert.equal(issued[3], 1_000_002n);
          const records = await engine.range(k('s/'), k('s0'));
          assert.deepEqual(
            records.map((e) => recordSequence(e.key)),
            [issued[0]!, issued[0]! + 1n, issued[0]! + 2n, issued[1]!, 1_000_000n, 1_000_001n, 1_000_002n],
          );
          assert.ok(await engine.get(k('own-3')));
          // The counter is the engine's, under its reserved key.
          assert.ok(await engine.get(SEQUENCE_COUNTER_KEY));
        }));

      test('a failed expectation takes no numbers and never calls writes; a throwing writes writes nothing', () =>
        withEngine(async (engine) => {
          let firstSeen: bigint | undefined;
          await engine.commit([], [], { sequence: { count: 1, floor: 10n, writes: (first) => ((firstSeen = first), []) } });
          assert.equal(firstSeen, 10n);
          let called = false;
          await rejectsWithConflict(
            engine.commit([{ key: k('a'), value: k('1') }], [{ key: k('held'), value: k('no') }], {
              sequence: { count: 1, floor: 0n, writes: () => ((called = true), []) },
            }),
            0,
          );
          assert.equal(called, false);
          await assert.rejects(
            engine.commit([{ key: k('b'), value: k('1') }], [], {
              sequence: {
                count: 2,
                floor: 0n,
                writes: () => {
                  throw new Error('refused by the caller');
                },
              },
            }),
            /refused by the caller/,
          );
          await assert.rejects(
            engine.commit([], [], { sequence: { count: 1, floor: 0n, writes: () => [{ key: EMPTY, value: k('v') }] } }),
            TypeError,
          );
          assert.equal(await engine.get(k('a')), undefined);
          assert.equal(await engine.get(k('b')), undefined);
          // Nothing was issued by the failed commits: the counter goes on from 10.
          await engine.commit([], [], { sequence: { count: 1, floor: 0n, writes: (first) => ((firstSeen = first), []) } });
          assert.equal(firstSeen, 11n);
        }));

      test('bad requests are refused before anything is written', () =>
        withEngine(async (engine) => {
          const writes = () => [];
          await assert.rejects(engine.commit([{ key: k('a'), value: k('1') }], [], { sequence: { count: 0, floor: 0n, writes } }), RangeError);
          await assert.rejects(engine.commit([], [], { sequence: { count: 1.5, floor: 0n, writes } }), RangeError);
          await assert.rejects(engine.commit([], [], { sequence: { count: 1, floor: -1n, writes } }), RangeError);
          await assert.rejects(engine.commit([], [], { sequence: { count: 1, floor: 2n ** 64n, writes } }), RangeError);
          await assert.rejects(engine.commit([], [], { sequence: { count: 2, floor: 2n ** 64n - 1n, writes } }), RangeError);
          assert.equal(await engine.get(k('a')), undefined);
        }));

      test('many numbered commits in one turn, some failing: only those fail, the others number on from each other in call order', () =>
        withEngine(async (engine) => {
          await engine.commit([{ key: k('held'), value: k('yes') }]);
          const firsts = new Map<number, bigint>();
          const failing = (i: number): boolean => i % 5 === 2 || i === 23;
          const count = (i: number): number => 1 + (i % 3);
          // Made in one turn, none awaited before the next: an engine may decide them together.
          const pending = Array.from({ length: 24 }, (_, i) =>
            engine.commit(
              [{ key: k(`m/${String(i).padStart(2, '0')}`), value: k(String(i)) }],
              failing(i)
                ? [
                    { key: k(`m/${String(i).padStart(2, '0')}`), value: null },
                    { key: k('held'), value: k('no') },
                  ]
                : i % 2 === 0
                  ? [{ key: k('held'), value: k('yes') }]
                  : [{ key: k(`m/${String(i).padStart(2, '0')}`), value: null }],
              {
                sequence: {
                  count: count(i),
                  floor: 7n,
                  writes: (first) => {
                    firsts.set(i, first);
                    return Array.from({ length: count(i) }, (_, j) => ({ key: recordKey(k('n/'), first + BigInt(j)), value: k(String(i)) }));
                  },
                },
              },
            ),
          );
          const settled = await Promise.allSettled(pending);
          const survivors: number[] = [];
          for (let i = 0; i < settled.length; i++) {
            const outcome = settled[i]!;
            if (failing(i)) {
              assert.equal(outcome.status, 'rejected', `commit ${i} landed though its expectation 1 fails`);
              const error = (outcome as PromiseRejectedResult).reason as unknown;
              assert.ok(error instanceof CommitConflictError && error.expectationIndex === 1, `commit ${i}: ${String(error)}`);
              assert.equal(firsts.has(i), false, `commit ${i} was numbered`);
              assert.equal(await engine.get(k(`m/${String(i).padStart(2, '0')}`)), undefined, `commit ${i} wrote`);
            } else {
              assert.equal(outcome.status, 'fulfilled', `commit ${i}: ${outcome.status === 'rejected' ? String(outcome.reason) : ''}`);
              survivors.push(i);
            }
          }
          // Made in one turn, the commits are decided in call order: each survivor's numbers follow the one's before, no gap.
          let expected = firsts.get(survivors[0]!)!;
          assert.equal(expected, 7n);
          for (const i of survivors) {
            assert.equal(firsts.get(i), expected, `commit ${i}'s first number`);
            expected += BigInt(count(i));
          }
          const records = await engine.range(k('n/'), k('n0'));
          assert.deepEqual(
            records.map((e) => [recordSequence(e.key), Buffer.from(e.value).toString()]),
            survivors.flatMap((i) => Array.from({ length: count(i) }, (_, j) => [firsts.get(i)! + BigInt(j), String(i)])),
          );
          let next: bigint | undefined;
          await engine.commit([], [], { sequence: { count: 1, floor: 0n, writes: (first) => ((next = first), []) } });
          assert.equal(next, expected);
        }));

      test('a numbered commit may expect what an earlier one of the same turn wrote', () =>
        withEngine(async (engine) => {
          const numbers: string[] = [];
          const numbered = (tag: string) => ({
            sequence: { count: 1, floor: 0n, writes: (first: bigint) => (numbers.push(`${tag}@${first}`), [{ key: recordKey(k('c/'), first), value: k(tag) }]) },
          });
          const chain = k('chain');
          // Each expects what the one before it leaves: created, replaced, deleted, created again; c and f expect what is gone by then.
          const outcomes = await Promise.allSettled([
            engine.commit([{ key: chain, value: k('1') }], [{ key: chain, value: null }], numbered('a')),
            engine.commit([{ key: chain, value: k('2') }], [{ key: chain, value: k('1') }], numbered('b')),
            engine.commit([{ key: chain, value: k('3') }], [{ key: chain, value: k('1') }], numbered('c')),
            engine.commit([{ key: chain, value: null }, { key: k('other'), value: k('d') }], [{ key: chain, value: k('2') }], numbered('d')),
            engine.commit([{ key: chain, value: k('5') }], [{ key: k('other'), value: k('d') }, { key: chain, value: null }], numbered('e')),
            engine.commit([{ key: chain, value: k('6') }], [{ key: chain, value: null }], numbered('f')),
          ]);
          assert.deepEqual(
            outcomes.map((o) => o.status),
            ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected'],
            outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok')).join('; '),
          );
          await rejectsWithConflict(Promise.reject((outcomes[2] as PromiseRejectedResult).reason), 0);
          await rejectsWithConflict(Promise.reject((outcomes[5] as PromiseRejectedResult).reason), 0);
          assert.equal(hex(await engine.get(chain)), hex(k('5')));
          const first = BigInt(numbers[0]!.split('@')[1]!);
          assert.deepEqual(numbers, [`a@${first}`, `b@${first + 1n}`, `d@${first + 2n}`, `e@${first + 3n}`]);
          assert.deepEqual(
            (await engine.range(k('c/'), k('c0'))).map((e) => Buffer.from(e.value).toString()),
            ['a', 'b', 'd', 'e'],
          );
        }));

      test('concurrent commits get distinct numbers, and a reader tailing them misses none', () =>
        withEngine(async (engine) => {
          let writing = true;
          const reader = tailRecords(engine, k('t/'), () => !writing);
          await sequenceWriter(engine, k('t/'), 150, 16, 'one');
          writing = false;
          const seen = await reader;
          const all = (await engine.range(k('t/'), recordsEnd('t/'))).map((e) => recordSequence(e.key));
          assert.equal(all.length, 50 * 1 + 50 * 2 + 50 * 3);
          assert.equal(new Set(all).size, all.length);
          assert.deepEqual(seen, all);
        }));
    });

    describe('readAndCommit: deciding inside the commit', () => {
      const inCommit = (title: string, fn: (engine: StorageEngine & Required<Pick<StorageEngine, 'readAndCommit'>>) => Promise<void>): void => {
        test(title, (t) =>
          withEngine(async (engine) => {
            if (engine.readAndCommit === undefined) {
              t.skip(`${name} cannot run code inside its commit (no readAndCommit); compare-and-set retries instead`);
              return;
            }
            await fn(engine as StorageEngine & Required<Pick<StorageEngine, 'readAndCommit'>>);
          }),
        );
      };

      inCommit('decides from the current values, writes, and resolves with the result', async (engine) => {
        await engine.commit([{ key: k('x'), value: k('1') }]);
        const seen = await engine.readAndCommit([k('x'), k('absent')], (values) => ({
          writes: [
            { key: k('x'), value: k('2') },
            { key: k('y'), value: k('new') },
          ],
          result: values.map(hex),
        }));
        assert.deepEqual(seen, [hex(k('1')), undefined]);
        assert.equal(hex(await engine.get(k('x'))), hex(k('2')));
        assert.equal(hex(await engine.get(k('y'))), hex(k('new')));
      });

      inCommit('a throwing decision or a bad write writes nothing', async (engine) => {
        await assert.rejects(
          engine.readAndCommit([k('x')], () => {
            throw new Error('decided against');
          }),
          /decided against/,
        );
        await assert.rejects(
          engine.readAndCommit([k('x')], () => ({
            writes: [
              { key: k('x'), value: k('1') },
              { key: EMPTY, value: k('1') },
            ],
            result: undefined,
          })),
          TypeError,
        );
        await assert.rejects(engine.readAndCommit([EMPTY], () => ({ writes: [], result: undefined })), TypeError);
        assert.equal(await engine.get(k('x')), undefined);
      });

      inCommit('takes sequence numbers like commit', async (engine) => {
        const issued: bigint[] = [];
        for (let i = 0; i < 2; i++) {
          await engine.readAndCommit([k('x')], () => ({
            writes: [],
            options: { sequence: { count: 2, floor: 100n, writes: (first) => (issued.push(first), [{ key: k(`s${first}`), value: k('r') }]) } },
            result: undefined,
          }));
        }
        assert.deepEqual(issued, [100n, 102n]);
        assert.ok(await engine.get(k('s102')));
      });

      inCommit('many calls in one turn: decided in call order, a failing one fails alone, numbers contiguous', async (engine) => {
        // Every call reads 'chain' and writes chain + 1, so its result is its
        // place in commit order; it takes 1 + i % 2 numbers and writes one
        // record per number, plus a key of its own. Calls 3, 6 and 9 fail in
        // three ways (decide throws, a bad write, sequence.writes throws); a
        // plain commit comes between calls 4 and 5, in the same turn.
        const failing = new Map<number, string>([
          [3, 'decide'],
          [6, 'bad write'],
          [9, 'sequence writes'],
        ]);
        const firsts = new Map<number, bigint>();
        const call = (i: number): Promise<number> =>
          engine.readAndCommit([k('chain')], ([chain]) => {
            if (failing.get(i) === 'decide') throw new Error(`call ${i} refused`);
            const position = chain === undefined ? 0 : Number(Buffer.from(chain).toString());
            const count = 1 + (i % 2);
            return {
              writes: [
                { key: k('chain'), value: k(String(position + 1)) },
                { key: k(`own-${i}`), value: k('x') },
                ...(failing.get(i) === 'bad write' ? [{ key: EMPTY, value: k('v') }] : []),
              ],
              options: {
                sequence: {
                  count,
                  floor: 500n,
                  writes: (first) => {
                    if (failing.get(i) === 'sequence writes') throw new Error(`call ${i} numbered nothing`);
                    firsts.set(i, first);
                    return Array.from({ length: count }, (_, j) => ({ key: k(`r/${String(first + BigInt(j)).padStart(8, '0')}`), value: k(`${i}`) }));
                  },
                },
              },
              result: position,
            };
          });
        const pending: Promise<number>[] = [];
        for (let i = 0; i < 12; i++) {
          pending.push(call(i));
          if (i === 4) void engine.commit([{ key: k('chain'), value: k('100') }]);
        }
        const settled = await Promise.allSettled(pending);
        settled.forEach((outcome, i) => {
          if (failing.has(i)) assert.equal(outcome.status, 'rejected', `call ${i}`);
          else assert.equal(outcome.status, 'fulfilled', `call ${i}: ${outcome.status === 'rejected' ? String(outcome.reason) : ''}`);
        });
        assert.match(String((settled[3] as PromiseRejectedResult).reason), /call 3 refused/);
        assert.ok((settled[6] as PromiseRejectedResult).reason instanceof TypeError);
        assert.match(String((settled[9] as PromiseRejectedResult).reason), /call 9 numbered nothing/);
        // Commit order is what each call saw of 'chain': 0, 1, … until the
        // plain commit (not awaited: concurrent with the calls) set 100, then
        // 100, 101, …, one jump at most.
        const committed = settled
          .map((outcome, i) => ({ i, position: outcome.status === 'fulfilled' ? outcome.value : -1 }))
          .filter(({ position }) => position >= 0)
          .sort((a, b) => a.position - b.position);
        const before = committed.filter(({ position }) => position < 100).length;
        assert.deepEqual(
          committed.map(({ position }) => position),
          [...Array.from({ length: before }, (_, n) => n), ...Array.from({ length: committed.length - before }, (_, n) => 100 + n)],
        );
        // Last comes the last call's write, or the plain commit if no call saw it.
        const last = Buffer.from((await engine.get(k('chain')))!).toString();
        assert.ok(last === String(committed.at(-1)!.position + 1) || (before === committed.length && last === '100'), `chain ${last}`);
        if (engine.roundTrips === undefined) {
          // An engine that decides in its own process (LMDB, memory) decides
          // one turn's calls in call order. The plain commit lands where it
          // was made (memory) or before them all (LMDB runs a batch's queued
          // unconditional writes before its callbacks).
          assert.ok(before === 0 || before === 4, `the plain commit came after ${before} calls`);
          assert.deepEqual(
            committed.map(({ i }) => i),
            [...firsts.keys()].filter((i) => !failing.has(i)).sort((a, b) => a - b),
          );
        }
        for (const i of failing.keys()) assert.equal(await engine.get(k(`own-${i}`)), undefined, `call ${i} wrote nothing`);
        // Numbers: in commit order, each call's run on from the last one's; the failed calls took none.
        const succeeded = committed.map(({ i }) => i);
        assert.equal(succeeded.length, 9);
        let expected = firsts.get(succeeded[0]!)!;
        assert.ok(expected >= 500n);
        for (const i of succeeded) {
          assert.equal(firsts.get(i), expected, `call ${i}'s first number`);
          expected += BigInt(1 + (i % 2));
        }
        const records = await engine.range(k('r/'), k('r0'));
        assert.equal(records.length, succeeded.reduce((n, i) => n + 1 + (i % 2), 0));
        assert.deepEqual(
          records.map((e) => Buffer.from(e.value).toString()),
          succeeded.flatMap((i) => Array.from({ length: 1 + (i % 2) }, () => String(i))),
        );
        // The next number runs on from the group's last.
        let next: bigint | undefined;
        await engine.commit([], [], { sequence: { count: 1, floor: 0n, writes: (first) => ((next = first), []) } });
        assert.equal(next, expected);
      });

      inCommit('concurrent increments of one key, decided in the commit after a lost race, lose nothing', async (engine) => {
        await keyedIncrements(engine, k('hot'), 32, 10);
        assert.equal(Buffer.from((await engine.get(k('hot')))!).toString(), '320');
      });
    });

    describe('fenced: every statement also checks one key', () => {
      const fencedTest = (title: string, fn: (engine: StorageEngine & Required<Pick<StorageEngine, 'fenced'>>) => Promise<void>): void => {
        test(title, (t) =>
          withEngine(async (engine) => {
            if (engine.fenced === undefined) {
              t.skip(`${name} has no fenced view: its reads are local, so a cache is checked with getSync instead`);
              return;
            }
            await fn(engine as StorageEngine & Required<Pick<StorageEngine, 'fenced'>>);
          }),
        );
      };

      fencedTest('a holding fence changes nothing; a tripped one rejects every kind of statement and writes nothing', async (engine) => {
        await engine.commit([
          { key: k('fence'), value: k('v1') },
          { key: k('a'), value: k('1') },
        ]);
        const holding = engine.fenced(k('fence'), k('v1'));
        assert.equal(hex(await holding.get(k('a'))), hex(k('1')));
        assert.deepEqual((await holding.getMany([k('a'), k('b')])).map(hex), [hex(k('1')), undefined]);
        assert.deepEqual(hexKeys(await holding.range(k('a'), k('z'))), [hex(k('a')), hex(k('fence'))]);
        assert.deepEqual(hexKeys(await holding.range(k('a'), k('z'), { reverse: true, limit: 1 })), [hex(k('fence'))]);
        assert.deepEqual(await holding.range(k('x'), k('y')), []);
        await holding.commit([{ key: k('b'), value: k('2') }], [{ key: k('a'), value: k('1') }]);
        await assert.rejects(holding.commit([{ key: k('b'), value: k('3') }], [{ key: k('a'), value: k('0') }]), CommitConflictError);
        await holding.commit([{ key: k('s'), value: k('x') }], [], { sequence: { count: 1, floor: 0n, writes: () => [] } });
        if (holding.readAndCommit !== undefined) {
          assert.equal(await holding.readAndCommit([k('a')], (values) => ({ writes: [{ key: k('c'), value: k('3') }], result: hex(values[0]) })), hex(k('1')));
        }
        const absent = engine.fenced(k('no such key'), null);
        assert.equal(hex(await absent.get(k('a'))), hex(k('1')));
        assert.equal(absent.committed(), false);
        // A view whose commit landed is done checking: its request must not be run again.
        assert.equal(holding.committed(), true);

        // Another writer changes the fence key: every statement of a view made before trips.
        const stale = engine.fenced(k('fence'), k('v1'));
        await engine.commit([{ key: k('fence'), value: k('v2') }]);
        assert.equal(hex(await holding.get(k('a'))), hex(k('1')));
        await assert.rejects(stale.get(k('a')), StaleFenceError);
        await assert.rejects(stale.get(k('fence')), StaleFenceError);
        await assert.rejects(stale.getMany([]), StaleFenceError);
        await assert.rejects(stale.range(k('a'), k('z')), StaleFenceError);
        await assert.rejects(stale.range(k('x'), k('y')), StaleFenceError);
        await assert.rejects(stale.commit([{ key: k('d'), value: k('4') }]), StaleFenceError);
        await assert.rejects(
          stale.commit([{ key: k('d'), value: k('4') }], [], { sequence: { count: 1, floor: 0n, writes: () => [{ key: k('e'), value: k('5') }] } }),
          StaleFenceError,
        );
        if (stale.readAndCommit !== undefined) {
          await assert.rejects(stale.readAndCommit([k('a')], () => ({ writes: [{ key: k('d'), value: k('4') }], result: undefined })), StaleFenceError);
        }
        assert.equal(stale.committed(), false);
        await assert.rejects(engine.fenced(k('fence'), null).get(k('a')), StaleFenceError);
        assert.equal(await engine.get(k('d')), undefined);
        assert.equal(await engine.get(k('e')), undefined);
        // A view at the new value works.
        assert.equal(hex(await engine.fenced(k('fence'), k('v2')).get(k('b'))), hex(k('2')));
      });

      fencedTest('fenced commits racing changes of the fence key: each lands or trips, none hangs, every acknowledged one is stored', async (engine) => {
        await engine.commit([{ key: k('fence'), value: k('0') }]);
        let version = 0;
        const landed: string[] = [];
        const writers = Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 40; i++) {
            const seen = String(version);
            try {
              // Writes the version it was fenced on: must still be current at the commit.
              await engine.fenced(k('fence'), k(seen)).commit([{ key: k(`w${w}-${i}`), value: k(seen) }]);
              landed.push(`${w}-${i}`);
            } catch (error) {
              if (!(error instanceof StaleFenceError)) throw error;
            }
          }
        });
        const bumper = (async () => {
          for (let i = 1; i <= 20; i++) {
            await engine.commit([
              { key: k('fence'), value: k(String(i)) },
              { key: k(`bump${String(i).padStart(2, '0')}`), value: k(String(i)) },
            ]);
            version = i;
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        })();
        await Promise.all([...writers, bumper]);
        assert.ok(landed.length > 0);
        for (const id of landed) {
          const value = await engine.get(k(`w${id}`));
          assert.ok(value !== undefined, `acknowledged fenced write ${id} is missing`);
        }
      });
    });

    describe('two handles on the same data', () => {
      const skipReason = async (): Promise<string | false> => {
        const probe = await open();
        try {
          if (!probe.capabilities.sharedAcrossProcesses) {
            return `${name} is not shared (capabilities.sharedAcrossProcesses is false): its data lives in one handle, which nothing else can open`;
          }
          if (options.shared === undefined) throw new Error(`${name} declares sharedAcrossProcesses but the suite was given no SharedAccess`);
          return false;
        } finally {
          await probe.close();
        }
      };
      // Decided at the first shared test, not when the suite is defined: an
      // engine may only be openable once the file's before() hooks ran.
      let skip: Promise<string | false> | undefined;

      async function withTwo(fn: (a: StorageEngine, b: StorageEngine, spec: ChildEngineSpec) => Promise<void>): Promise<void> {
        await withEngine(async (a) => {
          const b = await options.shared!.openAnother(a);
          try {
            await fn(a, b, options.shared!.childSpec(a));
          } finally {
            await b.close();
          }
        });
      }

      const sharedTest = (title: string, fn: (a: StorageEngine, b: StorageEngine, spec: ChildEngineSpec) => Promise<void>): void => {
        test(title, async (t) => {
          const reason = await (skip ??= skipReason());
          if (reason !== false) {
            t.skip(reason);
            return;
          }
          await withTwo(fn);
        });
      };

      sharedTest('a snapshot sees what the other handle committed before it, and nothing after', async (a, b) => {
        await b.get(k('snap'));
        await a.commit([{ key: k('snap'), value: k('before') }]);
        const snapshot = await b.snapshot();
        try {
          await a.commit([{ key: k('snap'), value: k('after') }, { key: k('snap2'), value: k('new') }]);
          assert.equal(hex(await snapshot.get(k('snap'))), hex(k('before')));
          assert.deepEqual(hexKeys(await snapshot.range(k('snap'), k('snaq'))), [hex(k('snap'))]);
          assert.equal(hex(await b.get(k('snap'))), hex(k('after')));
        } finally {
          await snapshot.release();
        }
      });

      sharedTest('an acknowledged commit through one is read at once through the other', async (a, b) => {
        for (let i = 0; i < 20; i++) {
          const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
          // Read first, so a reader that kept its snapshot would miss the commit.
          await reader.get(k('shared'));
          await writer.commit([{ key: k('shared'), value: k(`v${i}`) }]);
          assert.equal(hex(await reader.get(k('shared'))), hex(k(`v${i}`)));
          assert.equal(hex(reader.getSync?.(k('shared')) ?? (await reader.get(k('shared')))), hex(k(`v${i}`)));
          assert.deepEqual((await reader.getMany([k('shared')])).map(hex), [hex(k(`v${i}`))]);
          assert.equal(hex((await reader.range(k('shared'), k('sharee')))[0]?.value), hex(k(`v${i}`)));
        }
      });

      sharedTest('racing creates of one key through both: exactly one wins', async (a, b) => {
        const wins = await Promise.all([createRace(a, k('race'), 25, 'a'), createRace(b, k('race'), 25, 'b')]);
        assert.equal(wins[0].length + wins[1].length, 1, `winners: ${JSON.stringify(wins)}`);
        const winner = wins[0].length === 1 ? `a-${wins[0][0]}` : `b-${wins[1][0]}`;
        assert.equal(hex(await a.get(k('race'))), hex(k(winner)));
      });

      sharedTest('compare-and-set increments through both lose no update', async (a, b) => {
        await Promise.all([increments(a, k('count'), 4, 15), increments(b, k('count'), 4, 15)]);
        assert.equal(Buffer.from((await b.get(k('count')))!).toString(), '120');
        await Promise.all([keyedIncrements(a, k('keyed'), 8, 15), keyedIncrements(b, k('keyed'), 8, 15)]);
        assert.equal(Buffer.from((await b.get(k('keyed')))!).toString(), '240');
      });

      sharedTest('sequence numbers through both are distinct, and a tailing reader misses none', async (a, b) => {
        let writing = true;
        const reader = tailRecords(b, k('q/'), () => !writing);
        await Promise.all([sequenceWriter(a, k('q/'), 100, 8, 'a'), sequenceWriter(b, k('q/'), 100, 8, 'b')]);
        writing = false;
        const seen = await reader;
        const all = (await a.range(k('q/'), recordsEnd('q/'))).map((e) => recordSequence(e.key));
        assert.equal(all.length, 2 * (34 * 1 + 33 * 2 + 33 * 3));
        assert.equal(new Set(all).size, all.length);
        assert.deepEqual(seen, all);
      });

      sharedTest('bursts of numbered commits through both handles and a child process: numbers unique and gapless, read in order as they become visible', async (a, b, spec) => {
        let writing = true;
        const reader = tailRecords(b, k('g/'), () => !writing);
        // All three start together, once the child has had time to start and connect.
        const startAt = Date.now() + 1500;
        const results = await Promise.all([
          numberedBursts(a, k('g/'), 12, 24, 'a', startAt),
          numberedBursts(b, k('g/'), 12, 24, 'b', startAt),
          inChild(spec, 'numberedBursts', { prefix: hex(k('g/'))!, bursts: 12, perBurst: 24, tag: 'child', startAt }) as Promise<{
            succeeded: number;
            numbers: number;
          }>,
        ]);
        writing = false;
        const seen = await reader;
        const all = (await a.range(k('g/'), recordsEnd('g/'))).map((e) => recordSequence(e.key));
        // 18 of every 24 commits land: the 12 even ones take 1 number each, 6 odd ones 2.
        for (const result of results) assert.deepEqual(result, { succeeded: 12 * 18, numbers: 12 * (12 * 1 + 6 * 2) });
        assert.equal(all.length, 3 * 12 * 24);
        // One counter for every handle and process, and failed commits take none: no number twice, none skipped.
        assert.equal(new Set(all).size, all.length);
        assert.equal(all.at(-1)! - all[0]!, BigInt(all.length - 1));
        // A reader going on from its last record missed none: numbers became visible in their order.
        assert.deepEqual(seen, all);
        assert.equal((await a.range(recordsEnd('g/'), prefixEnd(k('g/')))).length, 3 * 12 * 18);
      });

      sharedTest('readAndCommit and numbered commits through both, interleaved in one turn: one order, numbers follow it', async (a, b) => {
        if (a.readAndCommit === undefined || b.readAndCommit === undefined) return;
        // Each call increments 'order' and records its position under its
        // number: positions and numbers must rise together.
        const numbered = (engine: StorageEngine, i: number): Promise<void> => {
          const decide = ([order]: readonly (Uint8Array | undefined)[]) => {
            const position = order === undefined ? 0 : Number(Buffer.from(order).toString());
            if (i % 7 === 3) throw new Error(`call ${i} refused`);
            return {
              writes: [{ key: k('order'), value: k(String(position + 1)) }],
              options: {
                sequence: { count: 1, floor: 0n, writes: (first: bigint) => [{ key: recordKey(k('i/'), first), value: k(String(position)) }] },
              },
              result: undefined,
            };
          };
          if (i % 5 === 4) {
            // A numbered commit of its own, expecting nothing: takes a number between the others.
            return engine.commit([{ key: k(`plain-${i}`), value: k('x') }], [], {
              sequence: { count: 1, floor: 0n, writes: (first) => [{ key: recordKey(k('j/'), first), value: k(String(i)) }] },
            });
          }
          return engine.readAndCommit!([k('order')], decide);
        };
        const settled: PromiseSettledResult<void>[] = [];
        for (let round = 0; round < 5; round++) {
          const calls: Promise<void>[] = [];
          for (let i = 0; i < 20; i++) calls.push(numbered(i % 2 === 0 ? a : b, round * 20 + i));
          settled.push(...(await Promise.allSettled(calls)));
        }
        const refused = settled.filter((s) => s.status === 'rejected');
        assert.ok(refused.every((s) => /refused/.test(String((s as PromiseRejectedResult).reason))));
        const decided = 100 - 20 - refused.length;
        assert.equal(Buffer.from((await b.get(k('order')))!).toString(), String(decided));
        const records = await a.range(k('i/'), k('i0'));
        assert.equal(records.length, decided);
        // In number order, the positions are 0, 1, 2, …: numbers follow the order of the commits.
        assert.deepEqual(
          records.map((e) => Number(Buffer.from(e.value).toString())),
          Array.from({ length: decided }, (_, i) => i),
        );
        const plain = (await a.range(k('j/'), k('j0'))).map((e) => recordSequence(e.key));
        assert.equal(plain.length, 20);
        const all = [...records.map((e) => recordSequence(e.key)), ...plain];
        assert.equal(new Set(all).size, all.length);
      });

      sharedTest('a child process: its acknowledged commit is read in the next stretch of JavaScript, before any timer', async (a, _b, spec) => {
        await a.commit([{ key: k('turn'), value: k('before') }]);
        assert.equal(hex(await a.get(k('turn'))), hex(k('before')));
        // spawnSync blocks this stretch: no timer or I/O callback can
        // refresh a read snapshot between the child's commit and our reads.
        if (a.getSync !== undefined) assert.equal(hex(a.getSync(k('turn'))), hex(k('before')));
        const result = spawnSync(
          process.execPath,
          [childPath, JSON.stringify(spec), 'put', JSON.stringify({ key: hex(k('turn')), value: hex(k('after')) })],
          { encoding: 'utf8' },
        );
        assert.equal(result.status, 0, result.stderr);
        // Reads in this stretch may share its snapshot (storage/engine get);
        // one microtask later (no timer has run), every read sees the commit.
        await Promise.resolve();
        if (a.getSync !== undefined) assert.equal(hex(a.getSync(k('turn'))), hex(k('after')));
        assert.equal(hex(await a.get(k('turn'))), hex(k('after')));
        assert.deepEqual((await a.getMany([k('turn')])).map(hex), [hex(k('after'))]);
        assert.equal(hex((await a.range(k('turn'), k('turo')))[0]?.value), hex(k('after')));
      });

      sharedTest('a child process: races, increments and sequence numbers stay correct across processes', async (a, _b, spec) => {
        let writing = true;
        const reader = tailRecords(a, k('p/'), () => !writing);
        const [childWins, , , , ownWins] = await Promise.all([
          inChild(spec, 'createRace', { key: hex(k('prace'))!, contenders: 25, tag: 'child' }),
          inChild(spec, 'increments', { key: hex(k('pcount'))!, loops: 4, perLoop: 50 }),
          inChild(spec, 'keyedIncrements', { key: hex(k('pkeyed'))!, loops: 16, perLoop: 25 }),
          inChild(spec, 'sequence', { prefix: hex(k('p/'))!, commits: 200, loops: 8, tag: 'child' }),
          createRace(a, k('prace'), 25, 'parent'),
          increments(a, k('pcount'), 4, 50),
          keyedIncrements(a, k('pkeyed'), 16, 25),
          sequenceWriter(a, k('p/'), 200, 8, 'parent'),
        ]);
        writing = false;
        const seen = await reader;
        assert.equal((childWins as number[]).length + ownWins.length, 1);
        assert.equal(Buffer.from((await a.get(k('pcount')))!).toString(), '400');
        assert.equal(Buffer.from((await a.get(k('pkeyed')))!).toString(), '800');
        const all = (await a.range(k('p/'), recordsEnd('p/'))).map((e) => recordSequence(e.key));
        assert.equal(all.length, 2 * (67 * 1 + 67 * 2 + 66 * 3));
        assert.equal(new Set(all).size, all.length);
        assert.deepEqual(seen, all);
        // Every commit's marker, from both processes.
        assert.equal((await a.range(recordsEnd('p/'), prefixEnd(k('p/')))).length, 400);
      });
    });

    test('a closed engine rejects further use', async () => {
      const engine = await open();
      await engine.commit([{ key: k('a'), value: k('1') }]);
      await engine.close();
      await assert.rejects(engine.get(k('a')));
      await assert.rejects(engine.commit([{ key: k('b'), value: k('1') }]));
      await assert.rejects(engine.range(EMPTY, TOP));
    });
  });
}
