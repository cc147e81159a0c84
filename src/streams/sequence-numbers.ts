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
 * Numbers are issued by the storage engine inside the commit that writes
 * the record (storage/engine.ts, CommitOptions.sequence; data/hooks
 * streamRecordsOption): greater than every number issued before by any
 * process sharing the store, and at least the record's time × 10⁶. So they
 * are unique across processes and follow commit order — a reader at the end
 * of a shard never skips a record that commits after it looked — and still
 * tell roughly when a record was written (msOfSequence). Numbers may have
 * gaps (other streams and catalog versions draw from the same counter).
 */

/** Wire form = internal value + this: always 21 digits for internal values below 9×10¹⁹. */
const WIRE_OFFSET = 10n ** 20n;
/** Numbers per millisecond before the tiebreak spills into the next millisecond's range. */
const PER_MS = 1_000_000n;

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
