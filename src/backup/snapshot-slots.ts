/**
 * @module backup/snapshot-slots
 * How many storage snapshots this process's backup and restore jobs hold
 * at once. On PostgreSQL each snapshot holds a pooled connection for as
 * long as it lives, and the job holding it commits through others: with
 * every connection held by a snapshot, no job could commit again. So a
 * process runs at most MAX_SNAPSHOT_JOBS at once: CreateBackup beyond that
 * answers LimitExceededException (its instant cannot wait), restores wait
 * for a slot.
 */
import type { Database } from '../data/database.js';

export const MAX_SNAPSHOT_JOBS = 4;

interface Slots {
  used: number;
  readonly waiting: (() => void)[];
}

const slots = new WeakMap<Database, Slots>();

function of(db: Database): Slots {
  let s = slots.get(db.root);
  if (s === undefined) slots.set(db.root, (s = { used: 0, waiting: [] }));
  return s;
}

/** A slot now, or false when all are taken. */
export function tryTakeSlot(db: Database): boolean {
  const s = of(db);
  if (s.used >= MAX_SNAPSHOT_JOBS) return false;
  s.used++;
  return true;
}

/** A slot, once one is free. */
export async function takeSlot(db: Database): Promise<void> {
  const s = of(db);
  while (s.used >= MAX_SNAPSHOT_JOBS) await new Promise<void>((resolve) => s.waiting.push(resolve));
  s.used++;
}

export function releaseSlot(db: Database): void {
  const s = of(db);
  s.used--;
  s.waiting.shift()?.();
}
