/**
 * @module tools/type-mapping
 * Source values → DynamoDB AttributeValues for `openddb migrate`. Numbers
 * never pass through a JavaScript double unless the source gave one:
 * PostgreSQL's numeric/int8 text, SQLite's 64-bit integers (BigInt) and
 * the numbers inside JSON text are kept digit for digit, as DynamoDB's N
 * is a decimal string. JSON becomes M/L; timestamps become ISO 8601 strings
 * or epoch numbers (seconds or milliseconds) by choice; NULL is left out or
 * kept as NULL by choice.
 */
import { numberMessage, type AttributeValue } from '../values/index.js';

export interface MappingOptions {
  readonly timestamps: 'iso' | 'epoch' | 'epoch-ms';
  readonly nulls: 'omit' | 'null';
}

/** A point in time with its fraction kept: epoch seconds (whole) and the fraction's decimal digits. */
export class Timestamp {
  constructor(
    /** Whole seconds since the epoch (may be negative). */
    readonly seconds: bigint,
    /** Fraction of a second as decimal digits, e.g. '123456' for µs; '' for none. */
    readonly fraction: string,
    /** The source said which zone (timestamptz, a Date): ISO output ends in Z. */
    readonly utc: boolean,
    /** A date without a time. */
    readonly dateOnly = false,
    /**
     * Fraction digits of the source's type (3 for ms, 6 for µs): ISO
     * strings always carry that many, so that strings of one column sort
     * as their times do (`…05Z` would sort after `…05.5Z`).
     */
    readonly precision = 3,
  ) {}

  static fromMillis(ms: number, utc = true): Timestamp {
    const whole = Math.floor(ms / 1000);
    const frac = ms - whole * 1000;
    return new Timestamp(BigInt(whole), String(frac).padStart(3, '0').replace(/0+$/, ''), utc);
  }

  static fromBigInt(value: bigint, digits: number): Timestamp {
    const scale = 10n ** BigInt(digits);
    let seconds = value / scale;
    let rest = value % scale;
    if (rest < 0n) {
      seconds -= 1n;
      rest += scale;
    }
    return new Timestamp(seconds, rest.toString().padStart(digits, '0').replace(/0+$/, ''), true, false, digits);
  }
}

/** `2024-01-02 03:04:05.123456+00` (PostgreSQL with TimeZone UTC), `2024-01-02T03:04:05Z`, `2024-01-02`; undefined if not such. */
export function parseTimestampText(text: string): Timestamp | undefined {
  const m = /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (Number.isNaN(ms)) return undefined;
  let seconds = BigInt(ms / 1000);
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const offset = (Number(z[2]) * 3600 + Number(z[3] ?? 0) * 60) * (z[1] === '-' ? -1 : 1);
    seconds -= BigInt(offset);
  }
  // PostgreSQL's timestamps are of microseconds (its text drops trailing zeros).
  return new Timestamp(seconds, (m[7] ?? '').replace(/0+$/, ''), zone !== undefined, m[4] === undefined, 6);
}

export function timestampValue(t: Timestamp, options: MappingOptions): AttributeValue {
  if (options.timestamps === 'iso') {
    const date = new Date(Number(t.seconds) * 1000).toISOString();
    if (t.dateOnly) return { S: date.slice(0, 10) };
    const base = date.slice(0, 19);
    const digits = Math.max(t.precision, t.fraction.length);
    return { S: `${base}${digits === 0 ? '' : `.${t.fraction.padEnd(digits, '0')}`}${t.utc ? 'Z' : ''}` };
  }
  if (options.timestamps === 'epoch') return { N: `${t.seconds}${t.fraction === '' ? '' : `.${t.fraction}`}` };
  const ms = t.seconds * 1000n + BigInt(t.fraction.slice(0, 3).padEnd(3, '0'));
  const below = t.fraction.slice(3);
  return { N: `${ms}${below === '' ? '' : `.${below}`}` };
}

/** A DynamoDB number from decimal text, or a message saying why it cannot be one. */
export function numberValue(text: string): AttributeValue | string {
  const message = numberMessage(text);
  return message === undefined ? { N: text } : `${JSON.stringify(text)} cannot be a DynamoDB number: ${message}`;
}

/** Thrown for a value that cannot be mapped; migrate names the row and column. */
export class MappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingError';
  }
}

function number(text: string): AttributeValue {
  const v = numberValue(text);
  if (typeof v === 'string') throw new MappingError(v);
  return v;
}

/** A JavaScript value (SQLite, Parquet, CSV, plain JSON Lines) → AttributeValue; undefined: leave the attribute out. */
export function fromJs(value: unknown, options: MappingOptions, depth = 0): AttributeValue | undefined {
  if (depth > 32) throw new MappingError('nested more than 32 levels deep (DynamoDB allows 32)');
  if (value === null || value === undefined) return options.nulls === 'null' || depth > 0 ? { NULL: true } : undefined;
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'bigint') return number(value.toString());
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new MappingError(`${value} cannot be a DynamoDB number`);
    // A double's shortest round-trip text: exactly the number the source held.
    return number(String(value));
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Timestamp) return timestampValue(value, options);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new MappingError('an invalid date');
    return timestampValue(Timestamp.fromMillis(value.getTime()), options);
  }
  if (value instanceof Uint8Array) return { B: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof ExactNumber) return number(value.text);
  if (Array.isArray(value)) return { L: value.map((v) => fromJs(v, options, depth + 1) ?? { NULL: true }) };
  if (value instanceof Map) {
    const M: Record<string, AttributeValue> = {};
    for (const [k, v] of value) M[String(k)] = fromJs(v, options, depth + 1) ?? { NULL: true };
    return { M };
  }
  if (typeof value === 'object') {
    const M: Record<string, AttributeValue> = {};
    for (const [k, v] of Object.entries(value)) M[k] = fromJs(v, options, depth + 1) ?? { NULL: true };
    return { M };
  }
  throw new MappingError(`a ${typeof value} has no DynamoDB type`);
}

/** A number read from JSON text, kept as its digits. */
export class ExactNumber {
  constructor(readonly text: string) {}
}

/**
 * JSON text → a value whose numbers are ExactNumbers (JSON.parse would
 * round 12345678901234567890 and 0.1000000000000000055). Throws
 * MappingError for text that is not JSON.
 */
export function parseExactJson(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new MappingError(`not JSON (${what} at offset ${i})`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const value = (depth: number): unknown => {
    if (depth > 64) fail('nested too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[i++] !== ':') fail("expected ':'");
        out[key] = value(depth + 1);
        ws();
        const sep = text[i++];
        if (sep === '}') return out;
        if (sep !== ',') fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        ws();
        const sep = text[i++];
        if (sep === ']') return out;
        if (sep !== ',') fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = i;
    const found = m.exec(text);
    if (found === null) fail('unexpected character');
    i = m.lastIndex;
    return new ExactNumber(found![0]);
  };
  const string = (): string => {
    const start = i;
    i++;
    for (; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') break;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const result = value(0);
  ws();
  if (i !== text.length) fail('trailing text');
  return result;
}

/** A column's type override (--column-type COL=TYPE): a string value as that type. */
export type ColumnType = 'S' | 'N' | 'BOOL' | 'JSON' | 'B';

export function applyColumnType(value: AttributeValue, type: ColumnType, options: MappingOptions): AttributeValue | undefined {
  const text = 'S' in value ? value.S : 'N' in value ? value.N : 'BOOL' in value ? String(value.BOOL) : undefined;
  if (text === undefined) return value;
  switch (type) {
    case 'S':
      return { S: text };
    case 'N':
      return number(text.trim());
    case 'BOOL': {
      const t = text.trim().toLowerCase();
      if (['true', 't', '1', 'yes', 'y'].includes(t)) return { BOOL: true };
      if (['false', 'f', '0', 'no', 'n'].includes(t)) return { BOOL: false };
      throw new MappingError(`${JSON.stringify(text)} is not a boolean`);
    }
    case 'JSON':
      return fromJs(parseExactJson(text), options);
    case 'B':
      return { B: text };
  }
}

/** CSV's --infer-types: decimal text → N, true/false → BOOL, the rest S. */
export function inferFromText(text: string): AttributeValue {
  if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) {
    const v = numberValue(text);
    if (typeof v !== 'string') return v;
  }
  if (text === 'true' || text === 'false') return { BOOL: text === 'true' };
  return { S: text };
}

/** PostgreSQL type OIDs whose text is decimal (int2, int4, int8, oid, float4, float8, numeric). */
const PG_NUMBERS = new Set([20, 21, 23, 26, 700, 701, 1700]);
/** Array type OID → element type OID. */
const PG_ARRAYS = new Map([
  [1000, 16],
  [1001, 17],
  [1005, 21],
  [1007, 23],
  [1016, 20],
  [1021, 700],
  [1022, 701],
  [1231, 1700],
  [1009, 25],
  [1015, 1043],
  [1014, 1042],
  [199, 114],
  [3807, 3802],
  [2951, 2950],
  [1115, 1114],
  [1185, 1184],
  [1182, 1082],
]);

/** PostgreSQL's text output of a value of type `oid` → AttributeValue (the session runs with TimeZone UTC). */
export function fromPostgres(text: string | null, oid: number, options: MappingOptions, inArray = false): AttributeValue | undefined {
  if (text === null) return options.nulls === 'null' || inArray ? { NULL: true } : undefined;
  if (PG_NUMBERS.has(oid)) return number(text);
  switch (oid) {
    case 16:
      return { BOOL: text === 't' };
    case 17:
      // bytea_output hex: \x0a1b…
      return { B: Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, text.startsWith('\\x') ? 'hex' : 'latin1').toString('base64') };
    case 114:
    case 3802:
      return fromJs(parseExactJson(text), options);
    case 1082:
    case 1114:
    case 1184: {
      const t = parseTimestampText(text);
      // infinity, BC dates: kept as PostgreSQL wrote them.
      return t === undefined ? { S: text } : timestampValue(t, options);
    }
  }
  const element = PG_ARRAYS.get(oid);
  if (element !== undefined) return { L: parsePgArray(text).map((e) => fromPostgres(e, element, options, true)!) };
  return { S: text };
}

/** A one-dimensional PostgreSQL array literal `{a,"b c",NULL}` → its elements' texts. */
export function parsePgArray(text: string): (string | null)[] {
  if (!text.startsWith('{') || !text.endsWith('}')) throw new MappingError(`cannot read the array ${text.slice(0, 40)}`);
  const body = text.slice(1, -1);
  const out: (string | null)[] = [];
  if (body === '') return out;
  let i = 0;
  while (i <= body.length) {
    if (body[i] === '{') throw new MappingError('multi-dimensional arrays are not supported');
    if (body[i] === '"') {
      let s = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        s += body[i];
        i++;
      }
      i++;
      out.push(s);
    } else {
      const end = body.indexOf(',', i);
      const raw = body.slice(i, end < 0 ? body.length : end);
      out.push(raw === 'NULL' ? null : raw);
      i = end < 0 ? body.length : end;
    }
    if (body[i] === ',') i++;
    else break;
  }
  return out;
}
