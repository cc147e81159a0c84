/**
 * @module storage/crash-payload
 * The values crash-writer.ts commits and crash.test.ts verifies: each is a
 * pure function of (run, n), of one of several sizes (from one LMDB page to
 * many overflow pages, where a torn write would show), so the test can
 * rebuild the expected bytes and tell a whole value from a torn one.
 */

const SIZES = [40, 3000, 9000, 70_000, 200_000];

export const itemKey = (run: number, n: number): Uint8Array => new TextEncoder().encode(`run${run}/item/${String(n).padStart(8, '0')}`);
/** Written in the same commit as the item: both or neither must survive. */
export const pairKey = (run: number, n: number): Uint8Array => new TextEncoder().encode(`run${run}/pair/${String(n).padStart(8, '0')}`);
/**
 * A record taking an engine-issued sequence number, in the same commit as
 * odd items (even items stay blind writes, the engine's other path). Keyed
 * by run only so a verifier finds it; the number is unique across runs.
 */
export const sequenceKey = (run: number, sequence: bigint): Uint8Array => {
  const prefix = new TextEncoder().encode(`run${run}/seq/`);
  const key = new Uint8Array(prefix.length + 8);
  key.set(prefix, 0);
  new DataView(key.buffer).setBigUint64(prefix.length, sequence);
  return key;
};
export const counterKey = (run: number): Uint8Array => new TextEncoder().encode(`run${run}/counter`);

export function payload(run: number, n: number): Uint8Array {
  const size = SIZES[n % SIZES.length]!;
  const bytes = new Uint8Array(size);
  // xorshift32 seeded by (run, n): cheap, deterministic, no repeating pattern.
  let x = (Math.imul(run + 1, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b)) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}
