/**
 * @module streams/stream-label
 * A stream's label is the ISO timestamp of its creation, without the zone.
 */
export function streamLabel(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '');
}
