/**
 * @module auth/sigv4-native
 *
 * openddb's native addon (native/sigv4.cc, built by scripts/build-native.mjs
 * into dist/openddb-native.node): the SHA-256 work of one SigV4 signature in
 * one call. auth/sigv4 uses it when it loads and node:crypto otherwise; the
 * results are the same (src/auth/sigv4.test.ts checks both ways).
 * `OPENDDB_NATIVE=0` in the environment keeps it unloaded.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeSigV4 {
  /** HMAC-SHA256's inner and outer states after the pads of `key` (at most 64 bytes), for signCanonical. */
  hmacState(key: Uint8Array): Buffer;
  /**
   * Writes to `out[0..64)` the lower-case hex HMAC-SHA256, under the key of
   * `state`, of `head` + hex SHA-256 of (`canonical` + hex SHA-256 of
   * `body`): `head` the string to sign up to the canonical request's hash,
   * `canonical` the canonical request up to the payload's. Strings are
   * hashed as UTF-8, as node:crypto hashes them.
   */
  signCanonical(state: Buffer, head: string, canonical: string, body: Uint8Array, out: Uint8Array): void;
}

/** Where the addon is: beside the bundle (dist/openddb-core.cjs), or two levels up from tsc's dist/src/auth/. */
const PLACES = ['./openddb-native.node', '../../openddb-native.node'];

let loaded: NativeSigV4 | null | undefined;

/** The addon, loaded on first call; undefined where it was not built, cannot load (another platform, a Node without OpenSSL's exports) or is turned off. */
export function nativeSigV4(): NativeSigV4 | undefined {
  if (loaded === undefined) loaded = load();
  return loaded ?? undefined;
}

function load(): NativeSigV4 | null {
  if (process.env.OPENDDB_NATIVE === '0') return null;
  const require = createRequire(import.meta.url);
  for (const place of PLACES) {
    try {
      const addon = require(fileURLToPath(new URL(place, import.meta.url))) as Partial<NativeSigV4>;
      if (typeof addon.hmacState === 'function' && typeof addon.signCanonical === 'function') return addon as NativeSigV4;
    } catch {
      // Not there, or not loadable here: the next place, then node:crypto.
    }
  }
  return null;
}
