/**
 * @module storage/range-limit
 * Validation of RangeOptions.limit, shared by every engine so they agree on
 * what a bad limit does.
 */

/** The limit as a count (Infinity when absent); throws RangeError on a negative or fractional one. */
export function checkedLimit(limit: number | undefined): number {
  if (limit === undefined || limit === Infinity) return Infinity;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`range limit must be a non-negative integer, got ${String(limit)}`);
  }
  return limit;
}
