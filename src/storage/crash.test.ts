/**
 * @module storage/crash.test
 * Durability of the LMDB engine, tested rather than taken from the docs.
 *
 * 1. kill -9: crash-writer.js commits concurrently into one data directory
 *    and prints each acknowledged commit; we SIGKILL it at different
 *    moments, reopen the directory, and check that every acknowledged write
 *    is there, every value is whole, every two-key commit is all-or-nothing
 *    (a sequence record included), and the directory opens cleanly. Also
 *    with two writer processes on one directory, one killed mid-stream:
 *    the other keeps committing (LMDB's write lock does not die with its
 *    holder), and the sequence numbers both took stay unique.
 * 2. Power loss cannot be simulated here, and kill -9 cannot tell a write
 *    in the page cache from one on disk. So we check the mechanism instead:
 *    under strace, every acknowledgement must come after an fdatasync of
 *    the data file and the meta page's write through LMDB's O_DSYNC file
 *    descriptor — i.e. after the commit reached stable storage.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { counterKey, itemKey, pairKey, payload } from './crash-payload.js';
import { openEngine } from './open-engine.js';

const writerPath = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'openddb-crash-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Acks {
  readonly items: Set<number>;
  readonly maxCounter: number;
}

function parseAcks(lines: readonly string[]): Acks {
  const items = new Set<number>();
  let maxCounter = 0;
  for (const line of lines) {
    const [kind, n] = line.split(' ');
    if (kind === 'item') items.add(Number(n));
    else if (kind === 'counter') maxCounter = Math.max(maxCounter, Number(n));
  }
  return { items, maxCounter };
}

interface Writer {
  /** Complete acknowledgement lines so far (a line cut off by a kill is never counted). */
  readonly lines: string[];
  /** Resolves once `count` lines have been acknowledged. */
  acked(count: number): Promise<void>;
  /** SIGKILLs the writer; resolves with its lines once it is gone. */
  kill(): Promise<string[]>;
}

/** Starts crash-writer.js on `dataDir`, committing as run `run`. */
function startWriter(dataDir: string, run: number, concurrency: number): Writer {
  const child = spawn(process.execPath, [writerPath, dataDir, String(run), String(concurrency)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let partial = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const waiter of waiters.splice(0)) {
      if (lines.length >= waiter.count) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  return {
    lines,
    acked: (count) =>
      new Promise<void>((resolve, reject) => {
        if (lines.length >= count) return resolve();
        waiters.push({ count, resolve });
        void closed.then(([code]) => reject(new Error(`writer ${run} ended (code ${code}) after ${lines.length} lines: ${stderr}`)));
      }),
    kill: async () => {
      child.kill('SIGKILL');
      const [code, signal] = await closed;
      assert.equal(signal, 'SIGKILL', `writer ended by itself (code ${code}): ${stderr}`);
      return lines;
    },
  };
}

/**
 * Runs the writer until it has acknowledged `acks` lines (or 20 s passed),
 * then SIGKILLs it. Resolves with every complete line read.
 */
async function runAndKill(dataDir: string, run: number, concurrency: number, acks: number): Promise<string[]> {
  const writer = startWriter(dataDir, run, concurrency);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([writer.acked(acks), new Promise((resolve) => (timer = setTimeout(resolve, 20_000)))]);
  clearTimeout(timer);
  return writer.kill();
}

/** Checks run `run` in the reopened directory against its acknowledgements. */
async function verifyRun(dataDir: string, run: number, acks: Acks, sequences = new Set<bigint>()): Promise<number> {
  const engine = await openEngine({ dataDir });
  try {
    const prefix = (kind: string): [Uint8Array, Uint8Array] => {
      const enc = new TextEncoder();
      return [enc.encode(`run${run}/${kind}/`), enc.encode(`run${run}/${kind}0`)];
    };
    const items = await engine.range(...prefix('item'));
    const pairs = await engine.range(...prefix('pair'));
    const stored = new Map<number, Uint8Array>();
    for (const { key, value } of items) {
      const n = Number(new TextDecoder().decode(key).split('/')[2]);
      stored.set(n, value);
      // Whole: byte for byte what the writer built (torn pages would differ).
      assert.ok(Buffer.from(value).equals(payload(run, n)), `run ${run} item ${n} is torn`);
    }
    const pairNumbers = pairs.map(({ key }) => Number(new TextDecoder().decode(key).split('/')[2]));
    // Atomic: item and pair were one commit, so both or neither.
    assert.deepEqual(pairNumbers.slice().sort((a, b) => a - b), [...stored.keys()].sort((a, b) => a - b));
    for (const { key, value } of pairs) {
      const n = Number(new TextDecoder().decode(key).split('/')[2]);
      assert.ok(Buffer.from(value).equals(payload(run, n).subarray(0, 16)), `run ${run} pair ${n} is torn`);
    }
    for (const n of acks.items) {
      assert.ok(stored.has(n), `run ${run}: acknowledged item ${n} was lost`);
      assert.ok(await engine.get(itemKey(run, n)));
      assert.ok(await engine.get(pairKey(run, n)));
    }
    // Sequence records: one per stored odd item, none for anything else,
    // and no number taken twice (in this run or any other).
    const records = await engine.range(...prefix('seq'));
    const recorded = records.map(({ key, value }) => {
      const sequence = new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(key.byteLength - 8);
      assert.ok(!sequences.has(sequence), `run ${run}: sequence number ${sequence} taken twice`);
      sequences.add(sequence);
      return Number(new TextDecoder().decode(value));
    });
    assert.deepEqual(
      recorded.slice().sort((a, b) => a - b),
      [...stored.keys()].filter((n) => n % 2 === 1).sort((a, b) => a - b),
      `run ${run}: sequence records and odd items differ`,
    );
    const counter = await engine.get(counterKey(run));
    const counterValue = counter === undefined ? 0 : new DataView(counter.buffer, counter.byteOffset).getUint32(0);
    assert.ok(counterValue >= acks.maxCounter, `run ${run}: counter ${counterValue} < acknowledged ${acks.maxCounter}`);
    return stored.size;
  } finally {
    await engine.close();
  }
}

describe('LMDB engine crash safety', () => {
  test('kill -9 at different moments loses no acknowledged write and tears none', async () => {
    const dataDir = join(root, 'kill9');
    // Kill points: right after the first acknowledgement, early, mid-stream,
    // later, and with a single writer; all in one directory, so every
    // reopen also recovers from every earlier crash.
    const plans = [
      { concurrency: 32, acks: 1 },
      { concurrency: 32, acks: 40 },
      { concurrency: 64, acks: 400 },
      { concurrency: 8, acks: 900 },
      { concurrency: 1, acks: 60 },
    ];
    const history: Acks[] = [];
    for (let run = 0; run < plans.length; run++) {
      const plan = plans[run]!;
      const lines = await runAndKill(dataDir, run, plan.concurrency, plan.acks);
      const acks = parseAcks(lines);
      assert.ok(acks.items.size >= 1, 'the writer acknowledged nothing before the kill');
      history.push(acks);
      assert.ok((await verifyRun(dataDir, run, acks)) >= acks.items.size);
    }
    // Later crashes must not have damaged what earlier ones left.
    for (let run = 0; run < plans.length; run++) await verifyRun(dataDir, run, history[run]!);
  });

  test('two writer processes, one killed with kill -9: the other goes on; nothing acknowledged lost or torn', async () => {
    const dataDir = join(root, 'two');
    const first = startWriter(dataDir, 0, 16);
    const second = startWriter(dataDir, 1, 16);
    await Promise.all([first.acked(100), second.acked(100)]);
    const firstLines = await first.kill();
    // The survivor must keep committing after its peer died, even if the
    // peer died holding LMDB's write lock.
    await second.acked(second.lines.length + 150);
    const secondLines = await second.kill();
    const sequences = new Set<bigint>();
    const acks = [parseAcks(firstLines), parseAcks(secondLines)];
    assert.ok((await verifyRun(dataDir, 0, acks[0]!, sequences)) >= acks[0]!.items.size);
    assert.ok((await verifyRun(dataDir, 1, acks[1]!, sequences)) >= acks[1]!.items.size);
    assert.ok(sequences.size > 0);
  });

  const strace = spawnSync('strace', ['-V'], { stdio: 'ignore' });
  const straceSkip = strace.error === undefined && strace.status === 0 ? false : 'strace is not installed';

  test('each acknowledgement follows fdatasync and the O_DSYNC meta write', { skip: straceSkip }, async () => {
    const dataDir = join(root, 'strace');
    const tracePath = join(root, 'strace.txt');
    const commits = 25;
    const result = spawnSync(
      'strace',
      ['-f', '-qq', '-e', 'trace=openat,fdatasync,fsync,pwrite64,pwritev,write', '-o', tracePath, process.execPath, writerPath, dataDir, '0', '1', String(commits)],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (result.status !== 0 && /ptrace|Operation not permitted/.test(result.stderr)) {
      // Containers may forbid ptrace; nothing to check then.
      return;
    }
    assert.equal(result.status, 0, result.stderr);
    const events = completedSyscalls(readFileSync(tracePath, 'utf8'));
    // Descriptors of the data file, and among them the O_DSYNC one LMDB
    // writes meta pages with; tracked in order, since numbers get reused.
    const dataFds = new Set<string>();
    const dsyncFds = new Set<string>();
    let sawDsync = false;
    let acksSeen = 0;
    let synced = false;
    let metaWritten = false;
    for (const e of events) {
      const fd = e.args.split(',')[0] ?? '';
      if (e.name === 'openat') {
        dataFds.delete(e.result);
        dsyncFds.delete(e.result);
        if (e.args.includes('/data.mdb"')) {
          dataFds.add(e.result);
          if (e.args.includes('O_DSYNC')) {
            dsyncFds.add(e.result);
            sawDsync = true;
          }
        }
      } else if ((e.name === 'fdatasync' || e.name === 'fsync') && dataFds.has(fd)) {
        synced = true;
        metaWritten = false;
      } else if ((e.name === 'pwrite64' || e.name === 'pwritev') && dsyncFds.has(fd)) {
        metaWritten = synced;
      } else if (e.name === 'write' && fd === '1' && /^1, "(item|counter) /.test(e.args)) {
        assert.ok(synced && metaWritten, `acknowledgement ${acksSeen} (${e.args.slice(0, 30)}) before its commit was synced`);
        acksSeen++;
        // The next acknowledgement needs a sync of its own (one writer: no sharing).
        synced = false;
        metaWritten = false;
      }
    }
    assert.ok(sawDsync, 'LMDB opened no O_DSYNC descriptor for meta pages');
    // 25 items plus a counter raise for every 4th.
    assert.equal(acksSeen, commits + Math.ceil(commits / 4));
  });
});

interface Syscall {
  readonly name: string;
  readonly args: string;
  readonly result: string;
}

/**
 * Syscalls in the order they returned. strace -f splits a call that another
 * thread interrupts into `name(args <unfinished ...>` and
 * `<... name resumed>rest) = result`; we join them and place the call at
 * its completion, which is what "happened before" needs.
 */
function completedSyscalls(trace: string): Syscall[] {
  const pending = new Map<string, string>();
  const out: Syscall[] = [];
  for (const line of trace.split('\n')) {
    const match = /^(\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, pid, body] = match as unknown as [string, string, string];
    let text = body;
    const unfinished = text.indexOf(' <unfinished ...>');
    if (unfinished >= 0) {
      pending.set(pid, text.slice(0, unfinished));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(text);
    if (resumed) {
      text = (pending.get(pid) ?? '') + (resumed[1] ?? '');
      pending.delete(pid);
    }
    const call = /^(\w+)\((.*)\)\s+=\s+(-?\w+)/.exec(text);
    if (call) out.push({ name: call[1]!, args: call[2]!, result: call[3]! });
  }
  return out;
}
