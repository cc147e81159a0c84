/**
 * @module A server process's own CPU time and memory, read from /proc.
 *
 * CPU comes from two sources because each misses something:
 * - /proc/<pid>/task/<tid>/schedstat, summed over threads, is in
 *   nanoseconds, so a two-second measurement is exact — but a thread that
 *   exits during the measurement takes its time with it (moto runs a thread
 *   per connection; lmdb and libuv keep theirs);
 * - /proc/<pid>/stat utime+stime counts exited threads too, but in clock
 *   ticks (10 ms).
 * `cpuDelta` uses the nanosecond sum unless the tick count is clearly
 * larger, which only happens when threads exited. Live child processes are
 * included, so a server that forks workers is still measured whole.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // getconf missing: Linux's USER_HZ is 100 on every common build.
}
export const CLOCK_TICK_NS = 1e9 / clkTck;

export const procAvailable = (() => {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
})();

function readStat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name may contain spaces and parentheses: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), systemTicks: Number(fields[12]) };
}

function schedNs(pid) {
  let sum = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    } catch {
      // The thread exited between readdir and read.
    }
  }
  return sum;
}

/** Live descendants of pid (children, grandchildren, ...). */
function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { ppid } = readStat(entry);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // Gone already.
    }
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of children.get(queue.shift()) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/**
 * When a process started (clock ticks since boot), or undefined if it is
 * gone: a pid with another start time is another process that reused it.
 */
export function startTime(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** pid and its live descendants (a cluster primary and its workers; a JVM is one process with many threads). */
export function processTree(pid) {
  return [pid, ...descendants(pid)];
}

/**
 * A CPU sample for a process tree: `{ schedNs, tickNs, pids }`. Children
 * are looked up once per sample (a /proc walk costs ~1 ms, outside the
 * measured window of the server but inside the harness's own).
 */
export function cpuSample(pid) {
  const pids = processTree(pid);
  let sched = 0;
  let ticks = 0;
  let systemTicks = 0;
  const byPid = new Map();
  for (const p of pids) {
    try {
      const stat = readStat(p);
      ticks += stat.ticks;
      systemTicks += stat.systemTicks;
      const ns = schedNs(p);
      sched += ns;
      byPid.set(p, ns);
    } catch {
      // A child exited mid-sample; the parent's tick count keeps its time once reaped.
    }
  }
  // The root process's main thread alone (the one that parses, dispatches and answers requests;
  // lmdb-js's writers, libuv's pool and V8's compiler and GC helpers are the other threads).
  let mainNs = 0;
  let mainTicks = { user: 0, system: 0 };
  try {
    mainNs = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'latin1').split(' ')[0]);
    const text = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'latin1');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    mainTicks = { user: Number(fields[11]), system: Number(fields[12]) };
  } catch {
    // Gone: the caller's own check reports it.
  }
  // systemTickNs: the kernel's part of tickNs (system calls, the network stack), in 10 ms ticks.
  return {
    schedNs: sched,
    tickNs: ticks * CLOCK_TICK_NS,
    systemTickNs: systemTicks * CLOCK_TICK_NS,
    pids: pids.length,
    byPid,
    mainNs,
    mainUserTickNs: mainTicks.user * CLOCK_TICK_NS,
    mainSystemTickNs: mainTicks.system * CLOCK_TICK_NS,
  };
}

/**
 * CPU nanoseconds spent between two samples, which counter decided, and
 * `split`: each process's share of the nanosecond sum, in tree order (the
 * server first, then its workers), for processes present in both samples.
 */
export function cpuDelta(before, after) {
  // Per process when known: a process that exited between the samples (a PostgreSQL backend, an
  // autovacuum worker) would otherwise take its whole lifetime's CPU off the sum; one that started counts whole.
  let sched = after.schedNs - before.schedNs;
  if (before.byPid !== undefined && after.byPid !== undefined) {
    sched = 0;
    for (const [p, ns] of after.byPid) sched += ns - (before.byPid.get(p) ?? 0);
  }
  const tick = after.tickNs - before.tickNs;
  const split = [];
  if (after.byPid?.size > 1 && sched > 0) {
    for (const [p, ns] of after.byPid) if (before.byPid.has(p)) split.push((ns - before.byPid.get(p)) / sched);
  }
  // Two ticks of slack: the tick counter is sampled, so it may lead or lag by one.
  if (tick > sched + 2 * CLOCK_TICK_NS) return { ns: tick, source: 'stat', split };
  return { ns: sched, source: 'schedstat', split };
}

/**
 * `{ rssMB, hwmMB, anonMB, fileMB }` from /proc/<pid>/status, summed over
 * the tree: resident, peak resident, and resident split into anonymous
 * memory (heap) and mapped file pages (an mmap'd store such as lmdb counts
 * the pages it touched; the kernel can drop those under pressure).
 */
export function memory(pid) {
  const kb = { rss: 0, hwm: 0, anon: 0, file: 0 };
  const field = (text, name) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
  for (const p of [pid, ...descendants(pid)]) {
    try {
      const text = readFileSync(`/proc/${p}/status`, 'latin1');
      kb.rss += field(text, 'VmRSS');
      kb.hwm += field(text, 'VmHWM');
      kb.anon += field(text, 'RssAnon');
      kb.file += field(text, 'RssFile') + field(text, 'RssShmem');
    } catch {
      // Exited.
    }
  }
  return { rssMB: kb.rss / 1024, hwmMB: kb.hwm / 1024, anonMB: kb.anon / 1024, fileMB: kb.file / 1024 };
}

/** Bytes a directory tree occupies on disk (allocated blocks, as `du`) and its apparent size. */
export function diskUsage(dir) {
  let blocks = 0;
  let apparent = 0;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        blocks += st.blocks * 512;
        apparent += st.size;
      }
    }
  };
  try {
    walk(dir);
  } catch {
    // The directory vanished (server removed it): report what was seen.
  }
  return { diskMB: blocks / 2 ** 20, apparentMB: apparent / 2 ** 20 };
}

/**
 * Busy CPU time of the whole machine in ns (all cores, from /proc/stat),
 * to tell how much of a measurement other processes and interrupts took.
 */
export function machineBusyNs() {
  const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + (steal || 0)) * CLOCK_TICK_NS;
}
