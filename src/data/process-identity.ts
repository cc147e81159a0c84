/**
 * @module data/process-identity
 * Names a running process well enough to tell, later and from another
 * process, whether it is still running: a lease (data/leases) records its
 * owner's identity, and another process may take over at once the work of
 * an owner killed with `kill -9` instead of waiting for the lease to expire.
 *
 * A pid alone is not enough: pids are reused, and in a container the
 * restarted server is often pid 1 again. On Linux the kernel's boot id and
 * the process start time (in clock ticks since boot, /proc/<pid>/stat field
 * 22) pin down one process; elsewhere we fall back to "a process with this
 * pid exists".
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  readonly pid: number;
  readonly hostname: string;
  /** Linux only: /proc/sys/kernel/random/boot_id. */
  readonly bootId?: string;
  /** Linux only: start time in clock ticks since boot. */
  readonly startTicks?: string;
}

let current: ProcessIdentity | undefined;

/** This process's identity (read once: it does not change while the process runs). */
export function currentProcessIdentity(): ProcessIdentity {
  return (current ??= readCurrentIdentity());
}

function readCurrentIdentity(): ProcessIdentity {
  const bootId = readBootId();
  const startTicks = readStartTicks(process.pid);
  return {
    pid: process.pid,
    hostname: hostname(),
    ...(bootId === undefined ? {} : { bootId }),
    ...(startTicks === undefined ? {} : { startTicks }),
  };
}

/** Whether `owner` is this very process. */
export function isCurrentProcess(owner: ProcessIdentity): boolean {
  const me = currentProcessIdentity();
  return (
    owner.pid === me.pid &&
    owner.hostname === me.hostname &&
    owner.bootId === me.bootId &&
    owner.startTicks === me.startTicks
  );
}

/**
 * Whether `owner` may still be running. Errs towards "alive" where it
 * cannot tell (another host: a shared store such as PostgreSQL), where
 * only the lease's expiry hands work over.
 */
export function isProcessAlive(owner: ProcessIdentity): boolean {
  const me = currentProcessIdentity();
  if (owner.bootId === undefined || me.bootId === undefined || owner.bootId !== me.bootId) {
    // Not this kernel boot. The same host booted since: the owner is gone.
    // Another host (a store shared over the network): we cannot tell.
    return !(owner.hostname === me.hostname && owner.bootId !== undefined && me.bootId !== undefined);
  }
  // Same kernel boot: pids and start times are comparable, hostnames
  // (containers sharing a volume) are not.
  if (owner.pid === me.pid) {
    // Our own pid: either it is us or an earlier incarnation that had the same pid.
    return isCurrentProcess(owner);
  }
  if (!pidExists(owner.pid)) return false;
  if (owner.startTicks === undefined) return true;
  const startTicks = readStartTicks(owner.pid);
  return startTicks === undefined || startTicks === owner.startTicks;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function readStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) is parenthesised and may hold spaces or
    // parentheses itself, so count fields from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}
