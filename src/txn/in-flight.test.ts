/**
 * @module txn/in-flight.test
 * The in-flight table: all-or-nothing holds, reads that only look, and
 * per-process token claims; and request digests that ignore key order.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InFlightItems } from './in-flight.js';
import { requestDigest } from './client-tokens.js';

const key = (...bytes: number[]) => Uint8Array.from(bytes);

describe('InFlightItems', () => {
  it('takes every key or none, and frees them on release', () => {
    const table = new InFlightItems();
    const first = table.acquire([key(1), key(2)], 'write');
    assert.deepEqual(first.conflicts, []);
    const second = table.acquire([key(3), key(2), key(1)], 'write');
    assert.deepEqual(second.conflicts, [1, 2]);
    // The failed attempt took nothing: key 3 is still free.
    assert.equal(table.isHeld(key(3)), false);
    assert.deepEqual(table.acquire([key(2)], 'read').conflicts, [0]);
    first.release();
    first.release();
    assert.equal(table.isHeld(key(1)), false);
    assert.deepEqual(table.acquire([key(3), key(2), key(1)], 'write').conflicts, []);
  });

  it('lets reads look without holding anything', () => {
    const table = new InFlightItems();
    table.acquire([key(9)], 'read');
    assert.equal(table.isHeld(key(9)), false);
    assert.deepEqual(table.acquire([key(9)], 'write').conflicts, []);
  });

  it('claims a token once until it is released', () => {
    const table = new InFlightItems();
    assert.equal(table.claimToken('t'), true);
    assert.equal(table.claimToken('t'), false);
    table.releaseToken('t');
    assert.equal(table.claimToken('t'), true);
  });
});

describe('requestDigest', () => {
  it('is the same for the same request whatever its key order, and differs otherwise', () => {
    const a = requestDigest([{ Put: { TableName: 't', Item: { a: { S: '1' }, b: { N: '2' } } } }]);
    const b = requestDigest([{ Put: { Item: { b: { N: '2' }, a: { S: '1' } }, TableName: 't' } }]);
    const c = requestDigest([{ Put: { TableName: 't', Item: { a: { S: '1' }, b: { N: '3' } } } }]);
    assert.equal(a, b);
    assert.notEqual(a, c);
  });
});
