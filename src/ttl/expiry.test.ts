/** @module ttl/expiry.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExpired } from './expiry.js';

const NOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const seconds = (ms: number) => String(ms / 1000);

describe('isExpired', () => {
  it('expires a Number of epoch seconds before now, not at or after it', () => {
    assert.equal(isExpired({ ttl: { N: seconds(NOW - 1000) } }, 'ttl', NOW), true);
    assert.equal(isExpired({ ttl: { N: seconds(NOW) } }, 'ttl', NOW), false);
    assert.equal(isExpired({ ttl: { N: seconds(NOW + 1000) } }, 'ttl', NOW), false);
    assert.equal(isExpired({ ttl: { N: '1.7E+9' } }, 'ttl', NOW), true, 'any number notation');
  });

  it('ignores other types, a missing attribute and nested attributes', () => {
    assert.equal(isExpired({ ttl: { S: seconds(NOW - 1000) } }, 'ttl', NOW), false);
    assert.equal(isExpired({ ttl: { NS: [seconds(NOW - 1000)] } }, 'ttl', NOW), false);
    assert.equal(isExpired({ other: { N: seconds(NOW - 1000) } }, 'ttl', NOW), false);
    assert.equal(isExpired({ m: { M: { ttl: { N: seconds(NOW - 1000) } } } }, 'ttl', NOW), false);
  });

  it('ignores times more than five years in the past', () => {
    const fiveYearsAgo = Date.UTC(2021, 5, 15, 12, 0, 0);
    assert.equal(isExpired({ ttl: { N: seconds(fiveYearsAgo + 1000) } }, 'ttl', NOW), true);
    assert.equal(isExpired({ ttl: { N: seconds(fiveYearsAgo - 1000) } }, 'ttl', NOW), false);
    assert.equal(isExpired({ ttl: { N: '1171734022' } }, 'ttl', NOW), false, "the developer guide's 2007 example");
    assert.equal(isExpired({ ttl: { N: '-1' } }, 'ttl', NOW), false);
  });
});
