/**
 * @module streams/sequence-numbers
 * Stream sequence numbers: where a record sits in its shard.
 *
 * Inside openddb a sequence number is a u64, `epoch ms × 10⁶ + tiebreak`,
 * and it is the record's storage key, so a shard is read in order by one
 * range scan. On the wire it is that number plus 10²⁰: 21 decimal digits,
 * like DynamoDB's ("300000000000000499659" in the GetRecords reference),
 * numeric (clients compare them as big integers) and increasing.
 *
 * Numbers come from a SequenceClock, one per storage engine, read by the
 * writer just before it calls commit() with nothing awaited in between.
 * Both engines apply commits in the order commit() is called (the memory
 * engine synchronously; lmdb-js runs its queued transaction callbacks in
 * order, and readers see whole batches), so a record committed later always
 * has the larger number and a reader at the end of a shard never skips one
 * that commits after it looked. A commit that loses its expectation and
 * retries simply takes a new number; the lost one leaves a gap, which
 * sequence numbers may have.
 */

/** Wire form = internal value + this: always 21 digits for internal values below 9×10¹⁹. */
const WIRE_OFFSET = 10n ** 20n;
/** Numbers per millisecond before the tiebreak spills into the next millisecond's range. */
const PER_MS = 1_000_000n;

export class SequenceClock {
  private last = 0n;

  /** The next number: past every number handed out or observed, and at least now × 10⁶. */
  next(nowMs: number): bigint {
    const base = BigInt(Math.floor(nowMs)) * PER_MS;
    this.last = base > this.last ? base : this.last + 1n;
    return this.last;
  }

  /** Never hand out `sequence` or anything below it (numbers already stored). */
  observe(sequence: bigint): void {
    if (sequence > this.last) this.last = sequence;
  }
}

/** The smallest sequence number a record written at `ms` can have. */
export function sequenceAtMs(ms: number): bigint {
  return BigInt(Math.max(0, Math.floor(ms))) * PER_MS;
}

/** The epoch milliseconds a sequence number was drawn at (or after, under heavy load). */
export function msOfSequence(sequence: bigint): number {
  return Number(sequence / PER_MS);
}

export function formatSequenceNumber(sequence: bigint): string {
  return (WIRE_OFFSET + sequence).toString();
}

/**
 * The internal value of a wire sequence number, or undefined when the text
 * is not one openddb can have issued (not all digits, or out of range).
 */
export function parseSequenceNumber(text: string): bigint | undefined {
  if (!/^[0-9]{1,40}$/.test(text)) return undefined;
  const value = BigInt(text) - WIRE_OFFSET;
  if (value < 0n || value >= 2n ** 64n) return undefined;
  return value;
}

const clocks = new WeakMap<object, SequenceClock>();

/**
 * The clock of one storage engine. Keyed by the engine, not the Database:
 * two Database objects over one engine (as tests build) must not hand out
 * the same numbers.
 */
export function sequenceClockOf(engine: object): SequenceClock {
  let clock = clocks.get(engine);
  if (clock === undefined) {
    clock = new SequenceClock();
    clocks.set(engine, clock);
  }
  return clock;
}
