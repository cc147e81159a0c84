/** @module values/size.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeNumber } from './number.js';
import { MAX_ITEM_SIZE, attributeValueSize, base64Length, itemSize, keyValueSize, numberSize, utf8Length } from './size.js';

describe('utf8Length', () => {
  it('matches Buffer.byteLength, lone surrogates included', () => {
    const samples = ['', 'abc', 'é', '\u07ff', '\u0800', '\uffff', '😀', 'a😀b', '\ud800', '\udc00x', '\ud800\ud800', '\u0000', 'x'.repeat(1000) + '€'];
    for (const s of samples) assert.equal(utf8Length(s), Buffer.byteLength(s, 'utf8'), JSON.stringify(s));
  });
});

describe('base64Length', () => {
  it('matches the decoded length', () => {
    for (let n = 0; n < 10; n++) {
      const b64 = Buffer.alloc(n, 7).toString('base64');
      assert.equal(base64Length(b64), n);
    }
  });
});

describe('numberSize', () => {
  it('matches sizes measured on DynamoDB', () => {
    // From dynoxide's bisection of the 400 KB gate and dynalite's suite.
    const cases: [string, number][] = [
      ['0', 1],
      ['1', 2],
      ['12', 2],
      ['123', 3],
      ['1234', 3],
      ['12345', 4],
      ['123456', 4],
      ['1234567', 5],
      ['12345678', 5],
      ['123456789', 6],
      ['1234567891', 6],
      ['12345678912', 7],
      ['123456789123', 7],
      ['1234567890123456789', 11],
      ['12345678901234567890123456789012345678', 20],
      ['0042', 2],
      ['100', 2],
      ['1010', 3],
      ['0.0000001', 2],
      ['1E125', 2],
      ['1E-100', 2],
      ['1.5', 3],
      ['1.2', 3],
      ['1.200', 3],
      ['1.234', 4],
      ['3.14159', 5],
      ['100.5', 4],
      ['0.15', 2],
      ['15', 2],
      ['-42', 3],
      ['27', 2],
      ['-27', 3],
      ['461', 3],
      ['11' + '0'.repeat(124), 2],
      ['11111' + '0'.repeat(121), 4],
      ['111111' + '0'.repeat(120), 4],
      ['1111111' + '0'.repeat(119), 5],
      ['1'.repeat(38) + '0'.repeat(88), 20],
    ];
    for (const [literal, expected] of cases) assert.equal(numberSize(normalizeNumber(literal)), expected, literal);
  });

  it('aligns digit pairs on the decimal point', () => {
    // 120 is stored as 01|20 and 0.012 as .01|20: two pairs each.
    assert.equal(numberSize('120'), 3);
    assert.equal(numberSize('0.012'), 3);
    assert.equal(numberSize('-0.5'), 3);
  });
});

describe('attributeValueSize / itemSize', () => {
  it('sizes each type per the developer guide', () => {
    assert.equal(attributeValueSize({ S: 'héllo' }), 6);
    assert.equal(attributeValueSize({ B: 'AQID' }), 3);
    assert.equal(attributeValueSize({ BOOL: true }), 1);
    assert.equal(attributeValueSize({ NULL: true }), 1);
    assert.equal(attributeValueSize({ SS: ['ab', 'c'] }), 3);
    assert.equal(attributeValueSize({ NS: ['1', '123'] }), 5);
    assert.equal(attributeValueSize({ BS: ['AQ==', 'AQI='] }), 3);
    assert.equal(attributeValueSize({ L: [] }), 3);
    assert.equal(attributeValueSize({ M: {} }), 3);
    // 3 + per element (1 + value)
    assert.equal(attributeValueSize({ L: [{ S: 'ab' }, { N: '1' }] }), 3 + 3 + 3);
    // 3 + per entry (name + 1 + value)
    assert.equal(attributeValueSize({ M: { x: { N: '1' }, yy: { BOOL: false } } }), 3 + (1 + 1 + 2) + (2 + 1 + 1));
    assert.equal(attributeValueSize({ M: { a: { M: { b: { S: 'c' } } } } }), 3 + 1 + 1 + (3 + 1 + 1 + 1));
  });

  it('adds attribute names in UTF-8', () => {
    assert.equal(itemSize({}), 0);
    assert.equal(itemSize({ pk: { S: 'abc' }, 'é': { N: '12' } }), 2 + 3 + 2 + 2);
  });

  it('puts dynalite’s boundary item exactly at the limit', () => {
    // dynalite test/putItem.js ("just small enough"): attributes a and b
    // totalling exactly MAX_ITEM_SIZE are accepted, one byte more is not.
    const key = 'k'.repeat(10);
    const item = { a: { S: key }, b: { S: 'a'.repeat(MAX_ITEM_SIZE - key.length - 2) } };
    assert.equal(itemSize(item), MAX_ITEM_SIZE);
  });

  it('keyValueSize counts bytes', () => {
    assert.equal(keyValueSize({ S: '😀' }), 4);
    assert.equal(keyValueSize({ B: 'AAAA' }), 3);
    assert.equal(keyValueSize({ N: '12345' }), 4);
  });
});
