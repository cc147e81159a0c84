/**
 * @module storage/sequence-counter
 * What every engine shares in issuing sequence numbers (engine.ts,
 * SequenceRequest): checking a request before the commit starts, the
 * counter's stored form under SEQUENCE_COUNTER_KEY (the last number issued,
 * a big-endian u64), and the choice of the first number. Each engine reads
 * and writes the counter inside its own commit, where no other writer can
 * run: that, not anything in this module, is what makes the numbers unique
 * and ordered across processes.
 */
import { writeU64 } from './byte-order.js';
import { MAX_SEQUENCE } from './engine.js';
import type { SequenceRequest } from './engine.js';

/** The request itself after checking its shape, or undefined for none. */
export function checkedSequenceRequest(request: SequenceRequest | undefined): SequenceRequest | undefined {
  if (request === undefined) return undefined;
  if (!Number.isSafeInteger(request.count) || request.count < 1) {
    throw new RangeError(`sequence.count must be a positive integer, not ${String(request.count)}`);
  }
  if (typeof request.floor !== 'bigint' || request.floor < 0n || request.floor > MAX_SEQUENCE) {
    throw new RangeError('sequence.floor must be a bigint in the u64 range');
  }
  if (typeof request.writes !== 'function') throw new TypeError('sequence.writes must be a function');
  return request;
}

/** The last number issued, from the counter's stored bytes (absent: none yet). */
export function decodeSequenceCounter(stored: Uint8Array | undefined): bigint | undefined {
  if (stored === undefined) return undefined;
  if (stored.length !== 8) throw new Error(`corrupt sequence counter: ${stored.length} bytes, not 8`);
  return new DataView(stored.buffer, stored.byteOffset, 8).getBigUint64(0);
}

export function encodeSequenceCounter(last: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  writeU64(bytes, 0, last);
  return bytes;
}

/** The first of `request.count` numbers after `last`, at least `request.floor`. */
export function firstSequence(last: bigint | undefined, request: SequenceRequest): bigint {
  const next = last === undefined ? 0n : last + 1n;
  const first = next > request.floor ? next : request.floor;
  // A single number (the usual stream or change-log record) needs no BigInt sum to check.
  if ((request.count === 1 ? first : first + BigInt(request.count - 1)) > MAX_SEQUENCE) {
    throw new RangeError('sequence numbers exhausted: the u64 counter would overflow');
  }
  return first;
}
