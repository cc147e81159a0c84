/**
 * @module pressure/shared-settings
 * The admin endpoint's settings, kept in the store so that they reach every
 * process on the same data (`--workers`, independent servers on one
 * directory, servers on one PostgreSQL), not just the one a POST reached
 * (docs/pressure.md, "Several processes").
 *
 * One key, PRESSURE_SETTINGS_KEY (0x00 0x40 0x01), holds a JSON record:
 * the members set through the admin endpoint (a patch over each process's
 * own flags), a version every change raises, and a count of resets. A POST
 * merges into the patch by compare-and-set (two processes' POSTs never lose
 * each other's members); a DELETE empties it, so every process returns to
 * its flags. Each process reads the key once a second (pressure/pressure's
 * timer: no read per request) and applies a record whose version it has
 * not applied yet; the process that took the POST applies it at once. So
 * a change reaches every process within about a second.
 */
import { compareAndSetKeys } from '../storage/compare-and-set.js';
import type { StorageEngine } from '../storage/engine.js';
import { PRESSURE_SETTINGS_KEY } from '../catalog/key-space.js';
import { parseFaults, parseLag } from './settings.js';

/** Members the admin endpoint sets, normalized; an absent member follows the process's flags. */
export interface SharedPatch {
  readonly throttle?: boolean;
  /** "MS" or "MIN-MAX"; null: off. */
  readonly lagMs?: string | null;
  readonly txnMs?: string | null;
  /** A fault spec; "": none. */
  readonly faults?: string;
  readonly seed?: number;
  readonly processes?: number;
  readonly burstSeconds?: number;
}

export interface SharedRecord {
  /** Raised by every change; 0: nothing was ever set. */
  readonly version: number;
  /** Raised by every `reset: true`: each process resets once per raise. */
  readonly resets: number;
  /** Raised by every change that names a seed: each process restarts its generator once per raise. */
  readonly seeds?: number;
  /** Raised by every change that names faults: each process parses them anew (their `next=N` counts start again). */
  readonly faultSpecs?: number;
  readonly patch: SharedPatch;
}

export const EMPTY_RECORD: SharedRecord = { version: 0, resets: 0, patch: {} };

const KNOWN = ['throttle', 'lagMs', 'txnMs', 'faults', 'seed', 'processes', 'burstSeconds', 'reset'];

/**
 * Checks an admin POST body and normalizes it: the patch and whether it
 * asks for a reset, or the problem (nothing changes then).
 */
export function normalizePatch(body: Record<string, unknown>): { patch: SharedPatch; reset: boolean } | string {
  const unknown = Object.keys(body).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) return `unknown setting(s): ${unknown.join(', ')} (known: ${KNOWN.join(', ')})`;
  const out: { -readonly [K in keyof SharedPatch]: SharedPatch[K] } = {};
  for (const name of ['lagMs', 'txnMs'] as const) {
    if (!(name in body)) continue;
    const v = body[name];
    if (v === null || v === 0 || v === '0' || v === 'off') {
      out[name] = null;
      continue;
    }
    if (typeof v !== 'number' && typeof v !== 'string') return `${name} must be "MS", "MIN-MAX", a number or null`;
    const parsed = parseLag(String(v));
    if (typeof parsed === 'string') return `${name}: ${parsed}`;
    out[name] = parsed.maxMs === 0 ? null : parsed.minMs === parsed.maxMs ? `${parsed.minMs}` : `${parsed.minMs}-${parsed.maxMs}`;
  }
  if ('faults' in body) {
    const v = body.faults;
    if (v === null || v === '') out.faults = '';
    else if (typeof v === 'string') {
      const parsed = parseFaults(v);
      if (typeof parsed === 'string') return parsed;
      out.faults = v;
    } else return 'faults must be a fault spec string (docs/pressure.md) or null';
  }
  for (const [name, min] of [['seed', 0], ['processes', 1], ['burstSeconds', 0]] as const) {
    if (!(name in body)) continue;
    const v = body[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) return `${name} must be a whole number, at least ${min}`;
    out[name] = v;
  }
  if ('throttle' in body) {
    if (typeof body.throttle !== 'boolean') return 'throttle must be true or false';
    out.throttle = body.throttle;
  }
  if ('reset' in body && typeof body.reset !== 'boolean') return 'reset must be true or false';
  return { patch: out, reset: body.reset === true };
}

function decode(bytes: Uint8Array | undefined): SharedRecord {
  if (bytes === undefined) return EMPTY_RECORD;
  const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<SharedRecord>;
  return { version: json.version ?? 0, resets: json.resets ?? 0, seeds: json.seeds ?? 0, faultSpecs: json.faultSpecs ?? 0, patch: json.patch ?? {} };
}

/** The stored record (EMPTY_RECORD when nothing was ever set). */
export async function readShared(engine: StorageEngine): Promise<SharedRecord> {
  return decode(await engine.get(PRESSURE_SETTINGS_KEY));
}

/** Changes the stored record by `change` (compare-and-set: safe against other processes' changes) and returns it. */
export async function updateShared(engine: StorageEngine, change: (current: SharedRecord) => Omit<SharedRecord, 'version'>): Promise<SharedRecord> {
  return compareAndSetKeys(engine, {
    keys: [PRESSURE_SETTINGS_KEY],
    decide([bytes]) {
      const current = decode(bytes);
      const next: SharedRecord = { ...change(current), version: current.version + 1 };
      return { writes: [{ key: PRESSURE_SETTINGS_KEY, value: Buffer.from(JSON.stringify(next), 'utf8') }], result: next };
    },
  });
}
