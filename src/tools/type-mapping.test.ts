import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExactNumber, MappingError, Timestamp, applyColumnType, fromJs, fromPostgres, inferFromText, parseExactJson, parsePgArray, parseTimestampText, timestampValue } from './type-mapping.js';

const ISO = { timestamps: 'iso', nulls: 'omit' } as const;
const EPOCH = { timestamps: 'epoch', nulls: 'null' } as const;
const MS = { timestamps: 'epoch-ms', nulls: 'omit' } as const;

test('JSON numbers keep every digit', () => {
  const v = parseExactJson('{"a":12345678901234567890.123,"b":[1e3,-0.1],"c":"x","d":null,"e":true}');
  assert.deepEqual(fromJs(v, ISO), {
    M: { a: { N: '12345678901234567890.123' }, b: { L: [{ N: '1e3' }, { N: '-0.1' }] }, c: { S: 'x' }, d: { NULL: true }, e: { BOOL: true } },
  });
  assert.ok(parseExactJson('5') instanceof ExactNumber);
  assert.throws(() => parseExactJson('{"a":}'), MappingError);
  assert.throws(() => parseExactJson('[1] x'), /trailing text/);
  assert.throws(() => fromJs(parseExactJson('1e999'), ISO), /cannot be a DynamoDB number/);
});

test('JavaScript values: bigint exact, doubles as their shortest text, bytes as B, NULL by choice', () => {
  assert.deepEqual(fromJs(9007199254740993n, ISO), { N: '9007199254740993' });
  assert.deepEqual(fromJs(0.1, ISO), { N: '0.1' });
  assert.deepEqual(fromJs(new Uint8Array([1, 2, 255]), ISO), { B: 'AQL/' });
  assert.equal(fromJs(null, ISO), undefined);
  assert.deepEqual(fromJs(null, EPOCH), { NULL: true });
  assert.throws(() => fromJs(NaN, ISO), MappingError);
});

test('timestamps: ISO strings or epoch numbers, the fraction kept', () => {
  const t = parseTimestampText('2024-01-02 03:04:05.123456+00')!;
  assert.deepEqual(timestampValue(t, ISO), { S: '2024-01-02T03:04:05.123456Z' });
  assert.deepEqual(timestampValue(t, EPOCH), { N: '1704164645.123456' });
  assert.deepEqual(timestampValue(t, MS), { N: '1704164645123.456' });
  assert.deepEqual(timestampValue(parseTimestampText('2024-01-02 05:04:05+02')!, EPOCH), { N: '1704164645' });
  assert.deepEqual(timestampValue(parseTimestampText('2024-01-02 03:04:05')!, ISO), { S: '2024-01-02T03:04:05.000000' }, 'no zone: none added; always microseconds, so strings sort as times');
  assert.deepEqual(timestampValue(parseTimestampText('2024-01-02')!, ISO), { S: '2024-01-02' });
  assert.deepEqual(fromJs(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)), ISO), { S: '2024-01-02T03:04:05.120Z' });
  assert.deepEqual(fromJs(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), ISO), { S: '2024-01-02T03:04:05.000Z' });
  assert.deepEqual(fromJs(Timestamp.fromBigInt(1704164645500000n, 6), ISO), { S: '2024-01-02T03:04:05.500000Z' });
  assert.deepEqual(fromJs(Timestamp.fromBigInt(-1500n, 3), EPOCH), { N: '-2.5' });
});

test('PostgreSQL text by type OID', () => {
  assert.deepEqual(fromPostgres('123456789012345678901234567890.000001', 1700, ISO), { N: '123456789012345678901234567890.000001' });
  assert.deepEqual(fromPostgres('9223372036854775807', 20, ISO), { N: '9223372036854775807' });
  assert.deepEqual(fromPostgres('t', 16, ISO), { BOOL: true });
  assert.deepEqual(fromPostgres('\\x00ff', 17, ISO), { B: 'AP8=' });
  assert.deepEqual(fromPostgres('{"k": 1.50}', 3802, ISO), { M: { k: { N: '1.50' } } });
  assert.deepEqual(fromPostgres('{1,NULL,3}', 1007, ISO), { L: [{ N: '1' }, { NULL: true }, { N: '3' }] });
  assert.deepEqual(fromPostgres('{"a b","c\\"d",e}', 1009, ISO), { L: [{ S: 'a b' }, { S: 'c"d' }, { S: 'e' }] });
  assert.deepEqual(fromPostgres('infinity', 1184, ISO), { S: 'infinity' });
  assert.deepEqual(fromPostgres('2c5ea4c0-4067-11e9-8bad-9b1deb4d3b7d', 2950, ISO), { S: '2c5ea4c0-4067-11e9-8bad-9b1deb4d3b7d' });
  assert.equal(fromPostgres(null, 25, ISO), undefined);
  assert.throws(() => fromPostgres('NaN', 701, ISO), /cannot be a DynamoDB number/);
  assert.deepEqual(parsePgArray('{}'), []);
});

test('column types and CSV inference', () => {
  assert.deepEqual(applyColumnType({ S: ' 42 ' }, 'N', ISO), { N: '42' });
  assert.deepEqual(applyColumnType({ S: 'yes' }, 'BOOL', ISO), { BOOL: true });
  assert.deepEqual(applyColumnType({ S: '[1]' }, 'JSON', ISO), { L: [{ N: '1' }] });
  assert.throws(() => applyColumnType({ S: 'abc' }, 'N', ISO), MappingError);
  assert.deepEqual(inferFromText('007'), { S: '007' }, 'leading zeros are not numbers (zip codes)');
  assert.deepEqual(inferFromText('-1.5e3'), { N: '-1.5e3' });
  assert.deepEqual(inferFromText('false'), { BOOL: false });
});
