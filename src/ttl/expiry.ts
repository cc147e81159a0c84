/**
 * @module ttl/expiry
 * Pure: whether time to live has expired an item. DynamoDB's rules
 * (developer guide, "Using DynamoDB Time to Live"; UpdateTimeToLive API
 * reference):
 * - the TTL attribute must be a top-level Number, epoch seconds; any other
 *   type, or a missing attribute, and the item never expires;
 * - the item is expired when that time is less than the current time;
 * - a time more than five years in the past is ignored: such an item is
 *   never deleted by TTL.
 */
import type { Item } from '../values/types.js';

export function isExpired(item: Item, attributeName: string, nowMs: number): boolean {
  const value = item[attributeName];
  if (value === undefined || !('N' in value)) return false;
  // A DynamoDB number has up to 38 digits; double precision is ample for
  // comparing epoch seconds with the clock.
  const expiresMs = Number(value.N) * 1000;
  if (!Number.isFinite(expiresMs) || !(expiresMs < nowMs)) return false;
  return expiresMs >= fiveYearsBefore(nowMs);
}

function fiveYearsBefore(ms: number): number {
  const date = new Date(ms);
  date.setUTCFullYear(date.getUTCFullYear() - 5);
  return date.getTime();
}
