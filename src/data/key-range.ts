/**
 * @module data/key-range
 * Key conditions and scan segments as byte ranges of the key space. Key
 * encodings are order-preserving and prefix-free (values/key-codec), so
 * "every entry of this partition whose sort key is < v" is the range from
 * the partition prefix up to the partition prefix followed by v's
 * encoding, and so on for each operator; a parallel-scan segment is a
 * range of partition hashes.
 */
import { compositePartitionPrefix, concat, hashRange, partitionPrefix, successor } from '../catalog/key-space.js';
import type { KeyConditionPlan } from '../expr/index.js';
import { encodeKeyValue } from '../values/index.js';
import { encodeKeyPrefix } from '../values/key-codec.js';
import type { AttributeValue } from '../values/types.js';

/** [start, end): start inclusive, end exclusive. */
export interface KeyRange {
  readonly start: Uint8Array;
  readonly end: Uint8Array;
}

/** The entries of one index (or the table, index 0) a Query's key conditions select. */
export function queryRange(tableId: number, indexId: number, plan: KeyConditionPlan): KeyRange {
  const partition =
    plan.partition === undefined ? partitionPrefix(tableId, indexId, plan.hash.value) : compositePrefix(tableId, indexId, plan);
  const all = { start: partition, end: successor(partition) };
  const range = plan.range;
  if (range === undefined) return all;
  const at = (value: AttributeValue | undefined) => concat([partition, encodeKeyValue(value!)]);
  const [first, second] = range.values;
  switch (range.operator) {
    case 'EQ': {
      const key = at(first);
      return { start: key, end: successor(key) };
    }
    case 'LT':
      return { start: partition, end: at(first) };
    case 'LE':
      return { start: partition, end: successor(at(first)) };
    case 'GT':
      return { start: successor(at(first)), end: all.end };
    case 'GE':
      return { start: at(first), end: all.end };
    case 'BETWEEN':
      return { start: at(first), end: successor(at(second)) };
    case 'BEGINS_WITH': {
      const prefix = concat([partition, encodeKeyPrefix(first!)]);
      return { start: prefix, end: successor(prefix) };
    }
  }
}

/**
 * A multi-attribute key's partition followed by the equalities on its
 * leading RANGE attributes: encodings are prefix-free per position, so the
 * entries that match those equalities are exactly the keys that start with
 * these bytes, and the last RANGE condition then narrows them as a sort key
 * narrows a partition.
 */
function compositePrefix(tableId: number, indexId: number, plan: KeyConditionPlan): Uint8Array {
  const partition = compositePartitionPrefix(
    tableId,
    indexId,
    plan.partition!.map((key) => key.value),
  );
  const prefix = plan.rangePrefix ?? [];
  return prefix.length === 0 ? partition : concat([partition, ...prefix.map((key) => encodeKeyValue(key.value))]);
}

const HASH_SPACE = 0x1_0000_0000;

/**
 * The partition-hash range of one parallel-scan segment. Segments split the
 * 32-bit hash space evenly and depend on nothing else, so an item stays in
 * its segment whatever else is written or deleted.
 */
export function segmentRange(
  tableId: number,
  indexId: number,
  segment: number,
  totalSegments: number,
): KeyRange & { readonly fromHash: number; readonly toHash: number } {
  // segment * 2^32 stays below 2^53 for every allowed TotalSegments (≤ 1,000,000).
  const fromHash = Math.floor((segment * HASH_SPACE) / totalSegments);
  const toHash = Math.floor(((segment + 1) * HASH_SPACE) / totalSegments);
  const [start, end] = hashRange(tableId, indexId, fromHash, toHash);
  return { start, end, fromHash, toHash };
}

/** The smallest key after `key` (keys are prefix-free, so nothing lies between). */
export function after(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

/**
 * The part of [start, end) still to read after the entry at `position` (an
 * ExclusiveStartKey's or a NextToken's): entries above it, or below it when
 * reading in reverse. A position outside the range leaves it as it is.
 */
export function resumeAfter(
  range: { readonly start: Uint8Array; readonly end: Uint8Array },
  position: Uint8Array,
  reverse: boolean,
): { start: Uint8Array; end: Uint8Array } {
  let { start, end } = range;
  if (reverse) {
    if (compareKeys(position, end) < 0) end = position;
  } else {
    const next = after(position);
    if (compareKeys(next, start) > 0) start = next;
  }
  return { start, end };
}

/** Unsigned bytewise comparison. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
