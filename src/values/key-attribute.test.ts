/** @module values/key-attribute.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  HASH_KEY_TOO_LARGE_MESSAGE,
  KEY_SCHEMA_MISMATCH_MESSAGE,
  RANGE_KEY_TOO_LARGE_MESSAGE,
  isIndexableKeyValue,
  validateIndexKeyValue,
  validateKeyValue,
} from './key-attribute.js';

describe('validateKeyValue', () => {
  it('words a missing or mistyped key by where it came from', () => {
    assert.equal(
      validateKeyValue('pk', undefined, 'S', 'hash', 'item'),
      'One or more parameter values were invalid: Missing the key pk in the item',
    );
    assert.equal(
      validateKeyValue('pk', { N: '1' }, 'S', 'hash', 'item'),
      'One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N',
    );
    assert.equal(
      validateKeyValue('sk', { SS: ['a'] }, 'B', 'range', 'item'),
      'One or more parameter values were invalid: Type mismatch for key sk expected: B actual: SS',
    );
    assert.equal(validateKeyValue('pk', undefined, 'S', 'hash', 'key'), KEY_SCHEMA_MISMATCH_MESSAGE);
    assert.equal(validateKeyValue('pk', { N: '1' }, 'S', 'hash', 'key'), KEY_SCHEMA_MISMATCH_MESSAGE);
  });

  it('rejects empty strings and binaries in keys', () => {
    // An Item's key and a Key parameter are worded differently.
    for (const [source, lead] of [
      ['item', 'One or more parameter values are not valid.'],
      ['key', 'One or more parameter values were invalid:'],
    ] as const) {
      assert.equal(
        validateKeyValue('pk', { S: '' }, 'S', 'hash', source),
        `${lead} The AttributeValue for a key attribute cannot contain an empty string value. Key: pk`,
      );
      assert.equal(
        validateKeyValue('sk', { B: '' }, 'B', 'range', source),
        `${lead} The AttributeValue for a key attribute cannot contain an empty binary value. Key: sk`,
      );
    }
  });

  it('enforces 2048 bytes for the partition key and 1024 for the sort key, in UTF-8', () => {
    assert.equal(validateKeyValue('pk', { S: 'x'.repeat(2048) }, 'S', 'hash', 'item'), undefined);
    assert.equal(validateKeyValue('pk', { S: 'x'.repeat(2049) }, 'S', 'hash', 'item'), HASH_KEY_TOO_LARGE_MESSAGE);
    assert.equal(validateKeyValue('pk', { S: 'é'.repeat(1025) }, 'S', 'hash', 'key'), HASH_KEY_TOO_LARGE_MESSAGE);
    assert.equal(validateKeyValue('sk', { S: 'x'.repeat(1024) }, 'S', 'range', 'item'), undefined);
    assert.equal(validateKeyValue('sk', { S: 'x'.repeat(1025) }, 'S', 'range', 'item'), RANGE_KEY_TOO_LARGE_MESSAGE);
    assert.equal(validateKeyValue('sk', { B: Buffer.alloc(1025).toString('base64') }, 'B', 'range', 'key'), RANGE_KEY_TOO_LARGE_MESSAGE);
    assert.equal(validateKeyValue('sk', { B: Buffer.alloc(1024).toString('base64') }, 'B', 'range', 'key'), undefined);
    assert.equal(validateKeyValue('n', { N: '9'.repeat(38) }, 'N', 'range', 'item'), undefined);
  });
});

describe('validateIndexKeyValue', () => {
  it('allows absence, rejects a wrong type or an empty value', () => {
    assert.equal(validateIndexKeyValue('g', undefined, 'S', 'byG'), undefined);
    assert.equal(validateIndexKeyValue('g', { S: 'x' }, 'S', 'byG'), undefined);
    assert.equal(
      validateIndexKeyValue('g', { N: '1' }, 'S', 'byG'),
      'One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: byG',
    );
    assert.equal(
      validateIndexKeyValue('g', { S: '' }, 'S', 'byG'),
      'One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: byG, IndexKey: g',
    );
  });

  it('checks the index key size limits when told the key role, counting UTF-8 and raw bytes', () => {
    assert.equal(validateIndexKeyValue('g', { S: 'x'.repeat(2048) }, 'S', 'byG', 'hash'), undefined);
    assert.equal(
      validateIndexKeyValue('g', { S: 'x'.repeat(2049) }, 'S', 'byG', 'hash'),
      'One or more parameter values were invalid: Size limit exceeded for Index Key g Actual Size: 2049 bytes Max Size: 2048 bytes IndexName: byG',
    );
    assert.equal(
      validateIndexKeyValue('r', { S: 'é'.repeat(513) }, 'S', 'byG', 'range'),
      'One or more parameter values were invalid: Size limit exceeded for Index Key r Actual Size: 1026 bytes Max Size: 1024 bytes IndexName: byG',
    );
    // 1025 raw bytes, as base64.
    assert.match(validateIndexKeyValue('r', { B: Buffer.alloc(1025).toString('base64') }, 'B', 'byG', 'range') ?? '', /Actual Size: 1025 bytes/);
    assert.equal(validateIndexKeyValue('g', { S: 'x'.repeat(2049) }, 'S', 'byG'), undefined, 'no role, no size check');
  });
});

describe('isIndexableKeyValue', () => {
  it('takes values of the defined type, not empty, within the limit', () => {
    assert.equal(isIndexableKeyValue({ S: 'x' }, 'S', 'hash'), true);
    assert.equal(isIndexableKeyValue({ N: '7' }, 'S', 'hash'), false);
    assert.equal(isIndexableKeyValue({ S: '' }, 'S', 'range'), false);
    assert.equal(isIndexableKeyValue({ B: '' }, 'B', 'hash'), false);
    assert.equal(isIndexableKeyValue({ S: 'x'.repeat(2048) }, 'S', 'hash'), true);
    assert.equal(isIndexableKeyValue({ S: 'x'.repeat(2049) }, 'S', 'hash'), false);
    assert.equal(isIndexableKeyValue({ S: 'x'.repeat(1024) }, 'S', 'range'), true);
    assert.equal(isIndexableKeyValue({ S: 'x'.repeat(1025) }, 'S', 'range'), false);
    assert.equal(isIndexableKeyValue({ N: '-1.5E+100' }, 'N', 'range'), true);
  });
});
