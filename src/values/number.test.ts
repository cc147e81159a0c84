/** @module values/number.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import {
  OVERFLOW_MESSAGE,
  PRECISION_MESSAGE,
  UNDERFLOW_MESSAGE,
  addNumbers,
  compareNumbers,
  normalizeNumber,
  numberMessage,
  parseNumber,
  subtractNumbers,
} from './number.js';

function throwsValidation(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynamoError(e));
    assert.equal(e.shortType, 'ValidationException');
    assert.equal(e.message, message);
    return true;
  });
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random valid number in canonical form, over the whole range. */
function randomNumber(r: () => number): string {
  if (r() < 0.05) return '0';
  const count = 1 + Math.floor(r() * (r() < 0.3 ? 38 : 6));
  let digits = String(1 + Math.floor(r() * 9));
  for (let i = 1; i < count; i++) digits += String(Math.floor(r() * 10));
  digits = digits.replace(/0+$/, '');
  const exponent = r() < 0.5 ? Math.floor(r() * 256) - 130 : Math.floor(r() * 20) - 10;
  const text = `${r() < 0.5 ? '-' : ''}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}E${exponent}`;
  return normalizeNumber(text);
}

/** Reference value as a scaled BigInt: value × 10^200. */
function scaled(n: string): bigint {
  const p = parseNumber(n);
  if (p.digits === '') return 0n;
  const shift = p.exponent - p.digits.length + 1 + 200;
  const v = BigInt(p.digits) * 10n ** BigInt(shift);
  return p.negative ? -v : v;
}

/** Whether a scaled value fits DynamoDB's 38 digits and exponent range. */
function representable(v: bigint): boolean {
  if (v === 0n) return true;
  const text = (v < 0n ? -v : v).toString();
  const exponent = text.length - 1 - 200;
  return text.replace(/0+$/, '').length <= 38 && exponent >= -130 && exponent <= 125;
}

describe('normalizeNumber', () => {
  it('returns the canonical plain form', () => {
    const cases: [string, string][] = [
      ['0', '0'],
      ['-0', '0'],
      ['+0', '0'],
      ['0.000', '0'],
      ['0e1000', '0'],
      ['-0.0e-5', '0'],
      ['1e3', '1000'],
      ['1E+3', '1000'],
      ['1.5E2', '150'],
      ['0001.2300', '1.23'],
      ['00042', '42'],
      ['1.0', '1'],
      ['3.1400', '3.14'],
      ['1E-5', '0.00001'],
      ['-1.5e-3', '-0.0015'],
      ['+3', '3'],
      ['.123', '0.123'],
      ['5.', '5'],
      ['+.5', '0.5'],
      ['-17e5', '-1700000'],
      ['-17.4E37', '-174' + '0'.repeat(36)],
      ['12.345e1', '123.45'],
      ['12.345e-1', '1.2345'],
      ['1230e-1', '123'],
      ['100', '100'],
      ['-7.1234', '-7.1234'],
      ['1E125', '1' + '0'.repeat(125)],
      ['1E-130', '0.' + '0'.repeat(129) + '1'],
      ['9.9999999999999999999999999999999999999E+125', '9'.repeat(38) + '0'.repeat(88)],
      ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
      ['0.00000000000000000000000000000000000001', '0.00000000000000000000000000000000000001'],
      ['1' + '0'.repeat(60), '1' + '0'.repeat(60)],
    ];
    for (const [input, expected] of cases) assert.equal(normalizeNumber(input), expected, input);
  });

  it('rejects what is not a number with the input echoed', () => {
    for (const s of ['abc', 'NaN', 'Infinity', '-Infinity', ' 1', '1 ', '1e', 'e5', '.', '-', '+', '1.2.3', '++5', '1+2', '0x10', '1_000', '1e+', '--1', '1e5.5']) {
      throwsValidation(() => normalizeNumber(s), `The parameter cannot be converted to a numeric value: ${s}`);
    }
  });

  it('rejects the empty string without a suffix', () => {
    throwsValidation(() => normalizeNumber(''), 'The parameter cannot be converted to a numeric value');
  });

  it('enforces the magnitude range', () => {
    throwsValidation(() => normalizeNumber('1E+126'), OVERFLOW_MESSAGE);
    throwsValidation(() => normalizeNumber('-1e126'), OVERFLOW_MESSAGE);
    throwsValidation(() => normalizeNumber('10E125'), OVERFLOW_MESSAGE);
    throwsValidation(() => normalizeNumber('1' + '0'.repeat(126)), OVERFLOW_MESSAGE);
    throwsValidation(() => normalizeNumber('1e99999999999999999999999'), OVERFLOW_MESSAGE);
    throwsValidation(() => normalizeNumber('1E-131'), UNDERFLOW_MESSAGE);
    throwsValidation(() => normalizeNumber('-1e-131'), UNDERFLOW_MESSAGE);
    throwsValidation(() => normalizeNumber('0.9E-130'), UNDERFLOW_MESSAGE);
    throwsValidation(() => normalizeNumber('1e-99999999999999999999999'), UNDERFLOW_MESSAGE);
    assert.equal(normalizeNumber('-9.9999999999999999999999999999999999999E+125'), '-' + '9'.repeat(38) + '0'.repeat(88));
    assert.equal(normalizeNumber('10E-131'), '0.' + '0'.repeat(129) + '1');
  });

  it('counts significant digits without leading or trailing zeros', () => {
    throwsValidation(() => normalizeNumber('123456789012345678901234567890123456789'), PRECISION_MESSAGE);
    throwsValidation(() => normalizeNumber('-1.23456789012345678901234567890123456789'), PRECISION_MESSAGE);
    assert.equal(normalizeNumber('000' + '1'.repeat(38) + '000'), '1'.repeat(38) + '000');
    assert.equal(normalizeNumber('0.000' + '1'.repeat(38) + '000'), '0.000' + '1'.repeat(38));
  });

  it('reports overflow before excess precision, as DynamoDB does', () => {
    throwsValidation(() => normalizeNumber('1'.repeat(39) + 'e100'), OVERFLOW_MESSAGE);
  });

  it('numberMessage mirrors normalizeNumber without throwing', () => {
    assert.equal(numberMessage('12'), undefined);
    assert.equal(numberMessage('1e3'), undefined);
    assert.equal(numberMessage('b'), 'The parameter cannot be converted to a numeric value: b');
    assert.equal(numberMessage(''), 'The parameter cannot be converted to a numeric value');
    assert.equal(numberMessage('1e126'), OVERFLOW_MESSAGE);
  });

  it('is idempotent over random numbers', () => {
    const r = rng(1);
    for (let i = 0; i < 2000; i++) {
      const n = randomNumber(r);
      assert.equal(normalizeNumber(n), n);
      assert.equal(scaled(normalizeNumber(n)), scaled(n));
    }
  });
});

describe('compareNumbers', () => {
  it('orders hand-picked cases', () => {
    const ordered = ['-100', '-12.5', '-12.45', '-12', '-1', '-0.5', '-0.05', '-0.0001', '0', '0.0001', '0.05', '0.5', '1', '1.01', '12', '12.45', '12.5', '100'];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        assert.equal(compareNumbers(ordered[i]!, ordered[j]!), Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
      }
    }
  });

  it('agrees with exact arithmetic over random numbers across the range', () => {
    const r = rng(2);
    for (let i = 0; i < 5000; i++) {
      const a = randomNumber(r);
      const b = r() < 0.1 ? a : randomNumber(r);
      const x = scaled(a);
      const y = scaled(b);
      assert.equal(compareNumbers(a, b), x < y ? -1 : x > y ? 1 : 0, `${a} vs ${b}`);
    }
  });
});

describe('addNumbers / subtractNumbers', () => {
  it('adds exactly', () => {
    assert.equal(addNumbers('1', '10000000000000000000000'), '10000000000000000000001');
    assert.equal(subtractNumbers('10000000000000000000000', '1'), '9999999999999999999999');
    assert.equal(addNumbers('0.1', '0.2'), '0.3');
    assert.equal(addNumbers('-5', '5'), '0');
    assert.equal(subtractNumbers('5', '5'), '0');
    assert.equal(subtractNumbers('0', '0'), '0');
    assert.equal(addNumbers('1.5', '-2.25'), '-0.75');
    assert.equal(subtractNumbers('-1', '-1'), '0');
    assert.equal(addNumbers('999999999999999', '1'), '1000000000000000');
    assert.equal(addNumbers('1e3', '1'), '1001');
    assert.equal(addNumbers('0', '-0.001'), '-0.001');
    assert.equal(addNumbers('99999999999999999999999999999999999999', '1'), '1' + '0'.repeat(38));
  });

  it('fails as DynamoDB does when the result is out of range', () => {
    throwsValidation(() => addNumbers('9e125', '9e125'), OVERFLOW_MESSAGE);
    throwsValidation(() => subtractNumbers('9e125', '-9e125'), OVERFLOW_MESSAGE);
    throwsValidation(() => subtractNumbers('1.1e-130', '1e-130'), UNDERFLOW_MESSAGE);
    // More than 38 digits: DynamoDB reports overflow here, not precision.
    throwsValidation(() => addNumbers('1e50', '1'), OVERFLOW_MESSAGE);
    throwsValidation(() => subtractNumbers('1e50', '1'), OVERFLOW_MESSAGE);
    throwsValidation(() => addNumbers('1', '1e-40'), OVERFLOW_MESSAGE);
  });

  it('rejects operands that are not numbers', () => {
    throwsValidation(() => addNumbers('x', '1'), 'The parameter cannot be converted to a numeric value: x');
  });

  it('agrees with exact arithmetic over random numbers', () => {
    const r = rng(3);
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const a = randomNumber(r);
      const b = r() < 0.5 ? randomNumber(r) : a.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
      let b2: string;
      try {
        b2 = normalizeNumber(b);
      } catch {
        continue;
      }
      for (const [op, ref] of [
        [addNumbers, (x: bigint, y: bigint) => x + y],
        [subtractNumbers, (x: bigint, y: bigint) => x - y],
      ] as const) {
        const expected = ref(scaled(a), scaled(b2));
        let result: string;
        try {
          result = op(a, b2);
        } catch (e) {
          assert.ok(isDynamoError(e));
          assert.ok(!representable(expected), `${a} op ${b2} threw but is representable`);
          continue;
        }
        assert.equal(normalizeNumber(result), result);
        assert.equal(scaled(result), expected, `${a} op ${b2}`);
        checked++;
      }
    }
    assert.ok(checked > 1000);
  });
});
