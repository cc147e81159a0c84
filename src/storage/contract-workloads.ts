/**
 * @module storage/contract-workloads
 * Workloads of the storage contract's shared-data tests (contract.ts), run
 * the same way by a handle in the test's process and by one in a child
 * process (contract-child.ts), so that two handles or two processes race
 * on the same keys: compare-and-set increments, conditional creates of one
 * key, and commits that take engine-issued sequence numbers, with a reader
 * tailing their records.
 */
import { compareAndSetKeys } from './compare-and-set.js';
import { CommitConflictError } from './engine.js';
import type { StorageEngine } from './engine.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** `loops` concurrent loops each add 1 to the decimal counter at `key` `perLoop` times; returns the conflicts met. */
export async function increments(engine: StorageEngine, key: Uint8Array, loops: number, perLoop: number): Promise<number> {
  let conflicts = 0;
  const once = async (): Promise<void> => {
    for (;;) {
      const current = await engine.get(key);
      const next = current === undefined ? 1 : Number(dec.decode(current)) + 1;
      try {
        await engine.commit([{ key, value: enc.encode(String(next)) }], [{ key, value: current ?? null }]);
        return;
      } catch (error) {
        if (!(error instanceof CommitConflictError)) throw error;
        conflicts++;
      }
    }
  };
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (let i = 0; i < perLoop; i++) await once();
    }),
  );
  return conflicts;
}

/**
 * Like increments, through compareAndSetKeys: an optimistic commit first,
 * then (after a lost race) the decision made inside the engine's commit.
 */
export async function keyedIncrements(engine: StorageEngine, key: Uint8Array, loops: number, perLoop: number): Promise<number> {
  let conflicts = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (let i = 0; i < perLoop; i++) {
        await compareAndSetKeys(
          engine,
          {
            keys: [key],
            decide: ([current]) => ({
              writes: [{ key, value: enc.encode(String(current === undefined ? 1 : Number(dec.decode(current)) + 1)) }],
              result: undefined,
            }),
          },
          { onConflict: () => conflicts++ },
        );
      }
    }),
  );
  return conflicts;
}

/**
 * `contenders` concurrent commits, each creating `key` only if absent with
 * the value `<tag>-<i>`; returns the indexes that succeeded.
 */
export async function createRace(engine: StorageEngine, key: Uint8Array, contenders: number, tag: string): Promise<number[]> {
  const results = await Promise.allSettled(
    Array.from({ length: contenders }, (_, i) =>
      engine.commit([{ key, value: enc.encode(`${tag}-${i}`) }], [{ key, value: null }]),
    ),
  );
  return results.flatMap((result, i) => {
    if (result.status === 'fulfilled') return [i];
    if (!(result.reason instanceof CommitConflictError)) throw result.reason;
    return [];
  });
}

/** A record key: prefix, then the sequence number as a big-endian u64 (byte order = number order). */
export function recordKey(prefix: Uint8Array, sequence: bigint): Uint8Array {
  const key = new Uint8Array(prefix.length + 8);
  key.set(prefix, 0);
  new DataView(key.buffer).setBigUint64(prefix.length, sequence);
  return key;
}

export function recordSequence(key: Uint8Array): bigint {
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(key.byteLength - 8);
}

/**
 * `commits` commits from `loops` concurrent loops; commit i takes 1 + i % 3
 * numbers and writes one record per number under `prefix`, valued `<tag>`,
 * plus a marker key `<prefix>\xff<tag>-<i>` as a write of its own.
 */
export async function sequenceWriter(
  engine: StorageEngine,
  prefix: Uint8Array,
  commits: number,
  loops: number,
  tag: string,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (next < commits) {
        const i = next++;
        const count = 1 + (i % 3);
        const marker = enc.encode(`${tag}-${i}`);
        await engine.commit([{ key: new Uint8Array([...prefix, 0xff, ...marker]), value: marker }], [], {
          sequence: {
            count,
            floor: 0n,
            writes: (first) =>
              Array.from({ length: count }, (_, j) => ({ key: recordKey(prefix, first + BigInt(j)), value: marker })),
          },
        });
      }
    }),
  );
}

/**
 * `bursts` rounds, each of `perBurst` numbered commits made in one turn
 * (none awaited before the next is made): commit j takes 1 + j % 2 numbers,
 * writes one record per number under `prefix` (valued `<tag>`) and a
 * marker `<prefix>\xff<tag>-<burst>-<j>` expected absent; every fourth
 * (j % 4 === 1) also expects a key that is never written to hold a value,
 * and must fail with CommitConflictError (index 1) writing nothing.
 * Starts at `startAt` (ms since the epoch), so that handles in several
 * processes run their bursts at the same time. Returns how many succeeded
 * and how many numbers they took.
 */
export async function numberedBursts(
  engine: StorageEngine,
  prefix: Uint8Array,
  bursts: number,
  perBurst: number,
  tag: string,
  startAt = 0,
): Promise<{ succeeded: number; numbers: number }> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  let succeeded = 0;
  let numbers = 0;
  // One per tag: a key every writer locked would order their commits by itself, hiding a counter that does not.
  const never = new Uint8Array([...prefix, 0xfe, ...enc.encode(tag)]);
  for (let burst = 0; burst < bursts; burst++) {
    const commits = Array.from({ length: perBurst }, (_, j) => {
      const count = 1 + (j % 2);
      const marker = enc.encode(`${tag}-${burst}-${j}`);
      const markerKey = new Uint8Array([...prefix, 0xff, ...marker]);
      const expectations = [{ key: markerKey, value: null }, ...(j % 4 === 1 ? [{ key: never, value: enc.encode('x') }] : [])];
      return engine.commit([{ key: markerKey, value: marker }], expectations, {
        sequence: {
          count,
          floor: 0n,
          writes: (first) => {
            if (j % 4 === 1) throw new Error(`commit ${tag}-${burst}-${j} was numbered though its expectation fails`);
            return Array.from({ length: count }, (_, n) => ({ key: recordKey(prefix, first + BigInt(n)), value: enc.encode(tag) }));
          },
        },
      });
    });
    const settled = await Promise.allSettled(commits);
    settled.forEach((outcome, j) => {
      if (j % 4 === 1) {
        if (outcome.status !== 'rejected' || !(outcome.reason instanceof CommitConflictError) || outcome.reason.expectationIndex !== 1) {
          throw new Error(`commit ${tag}-${burst}-${j} should have failed its expectation 1: ${outcome.status === 'rejected' ? String(outcome.reason) : 'it landed'}`);
        }
      } else if (outcome.status === 'rejected') {
        throw outcome.reason;
      } else {
        succeeded++;
        numbers += 1 + (j % 2);
      }
    });
  }
  return { succeeded, numbers };
}

/** The smallest key after every key that starts with `prefix` (prefix's last byte below 0xff). */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = Uint8Array.from(prefix);
  end[end.length - 1] = end[end.length - 1]! + 1;
  return end;
}

/**
 * Reads the records under `prefix` as a stream consumer does: each read
 * goes on from just after the last record seen, until `done()` says the
 * writers have finished and one more read found nothing new. Returns the
 * sequence numbers in the order read.
 */
export async function tailRecords(engine: StorageEngine, prefix: Uint8Array, done: () => boolean): Promise<bigint[]> {
  const seen: bigint[] = [];
  // Records are prefix + 8 bytes; markers (prefix + 0xff …) sort after them.
  const end = new Uint8Array([...prefix, 0xff]);
  let start = prefix;
  for (;;) {
    const finished = done();
    const page = await engine.range(start, end, { limit: 50 });
    for (const { key } of page) seen.push(recordSequence(key));
    if (page.length > 0) start = new Uint8Array([...page[page.length - 1]!.key, 0]);
    else if (finished) return seen;
    // Let the writers run (an engine whose promises settle at once would starve them).
    await new Promise((resolve) => setImmediate(resolve));
  }
}
