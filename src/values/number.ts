/**
 * @module values/number
 * DynamoDB numbers as exact decimals held in strings: parsing with
 * DynamoDB's grammar and limits, the canonical form DynamoDB returns,
 * comparison, and exact addition and subtraction. A JavaScript float never
 * holds a DynamoDB number.
 *
 * A number has up to 38 significant digits and a magnitude of 1E-130 to
 * 9.9999999999999999999999999999999999999E+125 (developer guide, "Data
 * types"). The canonical form is plain decimal notation with no exponent,
 * no leading or trailing zeros and no `-0` — what DynamoDB sends back:
 * `1.5E2` → `150`, `0001.2300` → `1.23`, `1E-5` → `0.00001`.
 */

import { errors } from '../errors/index.js';

export const MAX_SIGNIFICANT_DIGITS = 38;
/** Largest decimal exponent (of the leading digit) a number may have. */
export const MAX_EXPONENT = 125;
/** Smallest decimal exponent (of the leading digit) a non-zero number may have. */
export const MIN_EXPONENT = -130;

export const NOT_A_NUMBER_MESSAGE = 'The parameter cannot be converted to a numeric value';
export const OVERFLOW_MESSAGE =
  'Number overflow. Attempting to store a number with magnitude larger than supported range';
export const UNDERFLOW_MESSAGE =
  'Number underflow. Attempting to store a number with magnitude smaller than supported range';
export const PRECISION_MESSAGE = 'Attempting to store more than 38 significant digits in a Number';

/**
 * A decimal split into its parts: value = ±0.d₁d₂…dₙ × 10^(exponent+1), i.e.
 * `exponent` is the power of ten of the leading digit (scientific notation).
 * `digits` has no leading or trailing zeros; it is empty for zero.
 */
export interface DecimalParts {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

const ZERO: DecimalParts = Object.freeze({ negative: false, digits: '', exponent: 0 });

// Exponents beyond this are clamped while parsing: any such number is out of
// range anyway, and the clamp keeps `1e99999999999999999999` from losing
// precision in a JS number. It is far larger than any request body, so the
// digits of the mantissa cannot pull a clamped exponent back into range.
const EXPONENT_CLAMP = 1_000_000_000;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function notANumberMessage(text: string): string {
  return text === '' ? NOT_A_NUMBER_MESSAGE : `${NOT_A_NUMBER_MESSAGE}: ${text}`;
}

/**
 * Splits a number written in DynamoDB's grammar into its parts, without
 * checking DynamoDB's range. The grammar (verified against DynamoDB by the
 * Alternator and dynoxide suites): an optional sign, digits with at most one
 * `.` and at least one digit (`5`, `5.`, `.5`, `+1.5`), then optionally `e`
 * or `E`, an optional sign and at least one digit. No spaces, no `NaN` or
 * `Infinity`. Throws DynamoDB's "cannot be converted" ValidationException.
 */
export function parseNumber(text: string): DecimalParts {
  const parts = scanNumber(text);
  if (parts === undefined) throw errors.validation(notANumberMessage(text));
  return parts;
}

/** {@link parseNumber} without the throw: undefined when `text` is not a number. */
function scanNumber(text: string): DecimalParts | undefined {
  const n = text.length;
  let i = 0;
  let negative = false;
  let c = text.charCodeAt(0);
  if (c === 45 /* - */) {
    negative = true;
    i = 1;
  } else if (c === 43 /* + */) {
    i = 1;
  }
  const intStart = i;
  while (i < n && isDigit(text.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < n && text.charCodeAt(i) === 46 /* . */) {
    i++;
    fracStart = i;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (intEnd === intStart && fracEnd === fracStart) return undefined;
  let exp = 0;
  if (i < n) {
    c = text.charCodeAt(i);
    if (c !== 101 /* e */ && c !== 69 /* E */) return undefined;
    i++;
    let expNegative = false;
    c = text.charCodeAt(i);
    if (c === 45) {
      expNegative = true;
      i++;
    } else if (c === 43) {
      i++;
    }
    const expStart = i;
    while (i < n) {
      c = text.charCodeAt(i);
      if (!isDigit(c)) break;
      if (exp < EXPONENT_CLAMP) exp = exp * 10 + (c - 48);
      i++;
    }
    if (i === expStart || i !== n) return undefined;
    if (expNegative) exp = -exp;
  }

  // First and last non-zero digit, over the integer and fraction digits.
  let first = -1;
  let firstInFraction = false;
  for (let k = intStart; k < intEnd; k++) {
    if (text.charCodeAt(k) !== 48) {
      first = k;
      break;
    }
  }
  if (first < 0) {
    for (let k = fracStart; k < fracEnd; k++) {
      if (text.charCodeAt(k) !== 48) {
        first = k;
        firstInFraction = true;
        break;
      }
    }
    if (first < 0) return ZERO;
  }
  let last = -1;
  let lastInFraction = false;
  for (let k = fracEnd - 1; k >= fracStart; k--) {
    if (text.charCodeAt(k) !== 48) {
      last = k;
      lastInFraction = true;
      break;
    }
  }
  if (last < 0) {
    for (let k = intEnd - 1; k >= intStart; k--) {
      if (text.charCodeAt(k) !== 48) {
        last = k;
        break;
      }
    }
  }

  let digits: string;
  let exponent: number;
  if (firstInFraction) {
    digits = text.slice(first, last + 1);
    exponent = fracStart - first - 1 + exp;
  } else {
    digits = lastInFraction ? text.slice(first, intEnd) + text.slice(fracStart, last + 1) : text.slice(first, last + 1);
    exponent = intEnd - first - 1 + exp;
  }
  return { negative, digits, exponent };
}

/**
 * The ValidationException message for a number outside DynamoDB's limits,
 * or undefined. Magnitude is checked before precision, as DynamoDB does.
 */
export function numberRangeMessage(parts: DecimalParts): string | undefined {
  if (parts.digits === '') return undefined;
  if (parts.exponent > MAX_EXPONENT) return OVERFLOW_MESSAGE;
  if (parts.exponent < MIN_EXPONENT) return UNDERFLOW_MESSAGE;
  if (parts.digits.length > MAX_SIGNIFICANT_DIGITS) return PRECISION_MESSAGE;
  return undefined;
}

/** Writes parts in canonical plain notation (no range check). */
export function formatNumber(parts: DecimalParts): string {
  const { digits, exponent } = parts;
  if (digits === '') return '0';
  const n = digits.length;
  let s: string;
  if (exponent < 0) s = '0.' + '0'.repeat(-exponent - 1) + digits;
  else if (exponent >= n - 1) s = exponent === n - 1 ? digits : digits + '0'.repeat(exponent - n + 1);
  else s = digits.slice(0, exponent + 1) + '.' + digits.slice(exponent + 1);
  return parts.negative ? '-' + s : s;
}

/**
 * True when `text` is already canonical and short enough (≤ 38 digit
 * characters) to be within every limit. Most numbers on the wire are, so
 * this skips parsing and allocation for them.
 */
function isShortCanonical(text: string): boolean {
  const n = text.length;
  let i = 0;
  if (text.charCodeAt(0) === 45) i = 1;
  if (n - i > MAX_SIGNIFICANT_DIGITS || i === n) return false;
  let c = text.charCodeAt(i);
  if (c === 48) {
    // "0" alone, or "0." followed by a fraction.
    if (i + 1 === n) return i === 0; // "-0" is not canonical
    if (text.charCodeAt(i + 1) !== 46) return false;
    i += 2;
    if (i === n) return false;
  } else {
    if (c < 49 || c > 57) return false;
    i++;
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    if (i === n) return true;
    if (text.charCodeAt(i) !== 46) return false;
    i++;
    if (i === n) return false;
  }
  for (; i < n; i++) {
    c = text.charCodeAt(i);
    if (!isDigit(c)) return false;
  }
  return c !== 48; // no trailing zero in the fraction
}

/**
 * Parses a DynamoDB number and returns its canonical form, throwing
 * DynamoDB's ValidationException when it is not a number or out of range.
 */
export function normalizeNumber(text: string): string {
  if (isShortCanonical(text)) return text;
  const parts = parseNumber(text);
  const message = numberRangeMessage(parts);
  if (message !== undefined) throw errors.validation(message);
  return formatNumber(parts);
}

/**
 * Like {@link normalizeNumber} but returns the ValidationException message
 * instead of throwing, for validators that collect messages.
 */
export function numberMessage(text: string): string | undefined {
  if (isShortCanonical(text)) return undefined;
  const parts = scanNumber(text);
  return parts === undefined ? notANumberMessage(text) : numberRangeMessage(parts);
}

/** Length of the integer part of canonical `s` starting after its sign at `from`. */
function integerLength(s: string, from: number): number {
  const dot = s.indexOf('.', from);
  return (dot < 0 ? s.length : dot) - from;
}

/**
 * Compares two canonical numbers: -1, 0 or 1. Canonical strings have no
 * leading zeros, so a longer integer part means a larger magnitude, and with
 * equal integer parts the decimal points line up and plain character order
 * decides (a string that runs out first is smaller: it has no trailing
 * zeros). No parsing, no allocation.
 */
export function compareNumbers(a: string, b: string): number {
  const aNeg = a.charCodeAt(0) === 45;
  const bNeg = b.charCodeAt(0) === 45;
  if (aNeg !== bNeg) return aNeg ? -1 : 1;
  const ai = aNeg ? 1 : 0;
  const bi = bNeg ? 1 : 0;
  let m: number;
  const al = integerLength(a, ai);
  const bl = integerLength(b, bi);
  if (al !== bl) {
    m = al < bl ? -1 : 1;
  } else {
    m = 0;
    const an = a.length - ai;
    const bn = b.length - bi;
    const len = an < bn ? an : bn;
    for (let k = 0; k < len; k++) {
      const ca = a.charCodeAt(ai + k);
      const cb = b.charCodeAt(bi + k);
      if (ca !== cb) {
        m = ca < cb ? -1 : 1;
        break;
      }
    }
    if (m === 0 && an !== bn) m = an < bn ? -1 : 1;
  }
  return aNeg && m !== 0 ? -m : m;
}

// Integers below 2^53 add exactly as JS numbers; 15 digits keeps sums safe.
const SMALL_INTEGER = /^-?\d{1,15}$/;

function addParts(a: DecimalParts, b: DecimalParts): DecimalParts {
  if (a.digits === '') return b;
  if (b.digits === '') return a;
  // Scale both to integers over the lower of their least significant powers.
  const lowA = a.exponent - a.digits.length + 1;
  const lowB = b.exponent - b.digits.length + 1;
  const low = lowA < lowB ? lowA : lowB;
  let x = BigInt(a.digits + '0'.repeat(lowA - low));
  let y = BigInt(b.digits + '0'.repeat(lowB - low));
  if (a.negative) x = -x;
  if (b.negative) y = -y;
  const sum = x + y;
  if (sum === 0n) return ZERO;
  const negative = sum < 0n;
  const raw = (negative ? -sum : sum).toString();
  let end = raw.length;
  while (raw.charCodeAt(end - 1) === 48) end--;
  return { negative, digits: raw.slice(0, end), exponent: low + raw.length - 1 };
}

/**
 * The result of arithmetic, checked as DynamoDB checks it. A result that
 * needs more than 38 significant digits (`1E50 + 1`) fails with DynamoDB's
 * *overflow* message, not the precision one: observed on DynamoDB by the
 * Alternator suite (test_number.py, test_update_expression_plus_imprecise).
 */
function checkedResult(parts: DecimalParts): string {
  if (parts.digits !== '') {
    if (parts.exponent > MAX_EXPONENT) throw errors.validation(OVERFLOW_MESSAGE);
    if (parts.exponent < MIN_EXPONENT) throw errors.validation(UNDERFLOW_MESSAGE);
    if (parts.digits.length > MAX_SIGNIFICANT_DIGITS) throw errors.validation(OVERFLOW_MESSAGE);
  }
  return formatNumber(parts);
}

/** Exact `a + b` in canonical form (UpdateExpression `+`, ADD). */
export function addNumbers(a: string, b: string): string {
  if (SMALL_INTEGER.test(a) && SMALL_INTEGER.test(b)) return String(Number(a) + Number(b) + 0);
  return checkedResult(addParts(parseNumber(a), parseNumber(b)));
}

/** Exact `a - b` in canonical form (UpdateExpression `-`). */
export function subtractNumbers(a: string, b: string): string {
  if (SMALL_INTEGER.test(a) && SMALL_INTEGER.test(b)) return String(Number(a) - Number(b) + 0);
  const y = parseNumber(b);
  return checkedResult(addParts(parseNumber(a), y.digits === '' ? y : { ...y, negative: !y.negative }));
}
