/**
 * @module txn/in-flight
 * Which items this process's transactions hold right now, so that the
 * conflicts DynamoDB reports surface as DynamoDB reports them ("Managing
 * complex workflows with DynamoDB transactions", transaction conflict
 * handling):
 * - a PutItem/UpdateItem/DeleteItem (or BatchWriteItem member) on an item a
 *   transaction holds fails with TransactionConflictException;
 * - a TransactWriteItems touching an item another transaction holds is
 *   cancelled with a TransactionConflict reason for that action;
 * - a TransactGetItems reading an item a write transaction holds is
 *   cancelled the same way. DynamoDB documents that when a TransactGetItems
 *   meets a concurrent write it is the read that fails; since reads here
 *   come from one snapshot they hold nothing, and a write never fails
 *   because of a read.
 *
 * This only produces DynamoDB's *errors*. Correctness never depends on it:
 * a transaction commits everything it read with expectations that those
 * items are unchanged (storage/engine commit), which holds across server
 * processes sharing one store, where this in-process table sees nothing.
 *
 * The registry lives beside the Database in a WeakMap rather than in a
 * module global, so two databases in one process never see each other's
 * holds and a closed database's table goes away with it.
 */
import type { Database } from '../data/database.js';
import { bytesToLatin1 } from '../storage/byte-order.js';

/** 'write' takes the items; 'read' only looks for write holds and takes nothing. */
export type HoldMode = 'read' | 'write';

/** Storage keys as set members. */
const keyString = bytesToLatin1;

export class InFlightItems {
  private readonly holds = new Set<string>();
  private readonly tokens = new Set<string>();

  /**
   * Takes every key for a write transaction, all or nothing (mode 'write'),
   * or only checks them (mode 'read'). Returns the positions of the keys
   * another transaction holds (then nothing is taken), and a release
   * function.
   */
  acquire(keys: readonly Uint8Array[], mode: HoldMode): { conflicts: number[]; release: () => void } {
    const names = keys.map(keyString);
    const conflicts: number[] = [];
    names.forEach((name, i) => {
      if (this.holds.has(name)) conflicts.push(i);
    });
    if (conflicts.length > 0 || mode === 'read') return { conflicts, release: () => {} };
    for (const name of names) this.holds.add(name);
    let released = false;
    return {
      conflicts,
      release: () => {
        if (released) return;
        released = true;
        for (const name of names) this.holds.delete(name);
      },
    };
  }

  /** Whether any transaction holds the item stored at `key`. */
  isHeld(key: Uint8Array): boolean {
    // Every single-item write asks; most of the time nothing is held.
    return this.holds.size > 0 && this.holds.has(keyString(key));
  }

  /**
   * Marks a ClientRequestToken as being worked on; false when a request
   * with the same token is already under way in this process.
   */
  claimToken(token: string): boolean {
    if (this.tokens.has(token)) return false;
    this.tokens.add(token);
    return true;
  }

  releaseToken(token: string): void {
    this.tokens.delete(token);
  }
}

const registries = new WeakMap<Database, InFlightItems>();

/** The in-flight table of `db`'s transactions in this process. */
export function inFlight(db: Database): InFlightItems {
  // Per database, not per region view (data/database): one table of holds.
  let registry = registries.get(db.root);
  if (registry === undefined) {
    registry = new InFlightItems();
    registries.set(db.root, registry);
  }
  return registry;
}
