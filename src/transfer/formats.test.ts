import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itemIonLine, itemJsonLine, parseCsv, parseDynamoJson, parseIon } from './formats.js';
import { BucketError, FolderBuckets } from './bucket.js';
import type { Item } from '../values/types.js';

const every: Item = {
  s: { S: 'text with "quotes", \\ and ✓ 😀' },
  n: { N: '-12.5e3' },
  e: { N: '1.5E-7' },
  big: { N: '123456789012345678901234567890.12345' },
  b: { B: 'AQID' },
  t: { BOOL: true },
  z: { NULL: true },
  l: { L: [{ N: '1' }, { L: [] }, { M: {} }] },
  m: { M: { 'a b': { S: 'x' }, 'Item': { N: '0' } } },
  ss: { SS: ['a', 'b'] },
  ns: { NS: ['1', '2.5'] },
  bs: { BS: ['AQ==', 'Ag=='] },
};

test('Ion lines read back as the items written (every type, numbers normalised)', async () => {
  const line = await itemIonLine(every);
  assert.match(line, /^\$ion_1_0 \{Item:\{/);
  const [record] = await parseIon(line);
  assert.ok(record !== undefined && 'item' in record);
  assert.deepEqual(record.item, { ...every, n: { N: '-12500' }, e: { N: '0.00000015' } });
});

test('DynamoDB JSON lines read back; a bad line is a record with its reason, not an exception', () => {
  const records = parseDynamoJson(itemJsonLine(every) + '\n{"Item":"not a map"}\n[1]\n{"Item":{"a":{"S":"ok"}},"ConditionExpression":"attribute_not_exists(a)"}\n');
  assert.equal(records.length, 4);
  // As sent: numbers are checked and normalised later, by PutItem's own checks (data/plan-put).
  assert.deepEqual('item' in records[0]! && records[0].item, every);
  assert.equal(records[0]!.line, 1);
  assert.ok('error' in records[1]! && records[1].line === 3);
  assert.ok('error' in records[2]!);
  assert.deepEqual('item' in records[3]! && records[3].extra, { ConditionExpression: 'attribute_not_exists(a)' });
});

test('CSV: header line or HeaderList, key attributes typed, empty values left out, too many values refused', async () => {
  const keyTypes = { id: 'N' as const, bin: 'B' as const };
  const rows = await parseCsv('id;name;bin\n1;x;AQ==\n2;;AQ==\n3;a;AQ==;extra\n', { delimiter: ';', keyTypes });
  assert.deepEqual(rows.map((r) => ('item' in r ? r.item : r.error)), [
    { id: { N: '1' }, name: { S: 'x' }, bin: { B: 'AQ==' } },
    { id: { N: '2' }, bin: { B: 'AQ==' } },
    'The row has 4 values but there are 3 headers',
  ]);
  const headed = await parseCsv('1,x\n', { headers: ['id', 'name'], keyTypes });
  assert.deepEqual('item' in headed[0]! && headed[0].item, { id: { N: '1' }, name: { S: 'x' } });
  const broken = await parseCsv('a,b\n"unclosed,1\n', { keyTypes });
  assert.ok('error' in broken[0]!);
});

test('folder buckets: atomic files, listing by prefix, no key outside its bucket', async () => {
  const root = mkdtempSync(join(tmpdir(), 'transfer-buckets-'));
  try {
    const buckets = new FolderBuckets(root);
    await buckets.put('b', 'x/y/1.json', Buffer.from('one'));
    await buckets.put('b', 'x/2.json', Buffer.from('two'));
    await buckets.put('b', 'z.json', Buffer.from('three'));
    assert.deepEqual(readdirSync(join(root, 'b', 'x')).sort(), ['2.json', 'y']);
    assert.equal(Buffer.from(await buckets.get('b', 'x/2.json')).toString(), 'two');
    assert.deepEqual((await buckets.list('b', 'x/')).map((o) => o.key), ['x/2.json', 'x/y/1.json']);
    assert.deepEqual((await buckets.list('b', '')).map((o) => o.key), ['x/2.json', 'x/y/1.json', 'z.json']);
    await assert.rejects(buckets.get('b', 'nope'), (e: BucketError) => e.code === 'NoSuchKey');
    await assert.rejects(buckets.list('none', ''), (e: BucketError) => e.code === 'NoSuchBucket');
    await assert.rejects(buckets.put('b', '../escape', Buffer.from('x')), (e: BucketError) => e.code === 'InvalidKey');
    await assert.rejects(buckets.put('..', 'k', Buffer.from('x')), (e: BucketError) => e.code === 'InvalidBucketName');
    assert.equal(existsSync(join(root, 'escape')), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
