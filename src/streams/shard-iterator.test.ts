/** @module streams/shard-iterator.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeShardIterator, encodeShardIterator, type ShardIterator } from './shard-iterator.js';

const ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2026-01-02T03:04:05.678';
const sample: ShardIterator = { streamArn: ARN, tableId: 77, after: 1_700_000_000_000_000_123n, issuedAt: 1_700_000_000_456 };

describe('shard iterators', () => {
  it('round-trip, shaped like DynamoDB\'s: the stream ARN, |1|, base64', () => {
    const text = encodeShardIterator(sample);
    assert.ok(text.startsWith(`${ARN}|1|`));
    assert.ok(text.length <= 2048);
    assert.deepEqual(decodeShardIterator(text), sample);
  });

  it('refuse anything openddb did not issue', () => {
    const text = encodeShardIterator(sample);
    const blob = text.slice(text.indexOf('|1|') + 3);
    const bytes = Buffer.from(blob, 'base64');
    bytes[6] = bytes[6]! ^ 1; // move the position
    assert.equal(decodeShardIterator(`${ARN}|1|${bytes.toString('base64')}`), undefined);
    assert.equal(decodeShardIterator(text.replace('orders', 'others')), undefined, 'another stream');
    assert.equal(decodeShardIterator('sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg'), undefined);
    assert.equal(decodeShardIterator(`${ARN}|1|`), undefined);
    assert.equal(decodeShardIterator(`${ARN}|1|${blob}!`), undefined);
  });
});
