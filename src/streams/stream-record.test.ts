/** @module streams/stream-record.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeySchema } from '../catalog/table-record.js';
import { recordOfChange, renderRecord } from './stream-record.js';

const keys: KeySchema = { hash: 'pk', range: 'sk' };
const item = (extra: Record<string, unknown> = {}) => ({ pk: { S: 'p' }, sk: { N: '1' }, ...extra }) as never;
const NOW = 1_700_000_000_999;

describe('recordOfChange', () => {
  it('names the event after what the item was and became', () => {
    assert.equal(recordOfChange('KEYS_ONLY', keys, { old: undefined, next: item() }, NOW)?.e, 'INSERT');
    assert.equal(recordOfChange('KEYS_ONLY', keys, { old: item(), next: item({ a: { S: 'x' } }) }, NOW)?.e, 'MODIFY');
    assert.equal(recordOfChange('KEYS_ONLY', keys, { old: item(), next: undefined }, NOW)?.e, 'REMOVE');
  });

  it('records nothing when the item did not change', () => {
    assert.equal(recordOfChange('NEW_AND_OLD_IMAGES', keys, { old: undefined, next: undefined }, NOW), undefined);
    assert.equal(recordOfChange('NEW_AND_OLD_IMAGES', keys, { old: item({ a: { N: '1' } }), next: item({ a: { N: '1' } }) }, NOW), undefined);
    // Sets are unordered, so a reordered set is the same item.
    assert.equal(
      recordOfChange('KEYS_ONLY', keys, { old: item({ s: { SS: ['a', 'b'] } }), next: item({ s: { SS: ['b', 'a'] } }) }, NOW),
      undefined,
    );
    // A changed type is a change.
    assert.ok(recordOfChange('KEYS_ONLY', keys, { old: item({ a: { N: '1' } }), next: item({ a: { S: '1' } }) }, NOW));
  });

  it('keeps the images the view type asks for, where they exist', () => {
    const old = item({ a: { S: 'old' } });
    const next = item({ a: { S: 'new' } });
    const only = recordOfChange('KEYS_ONLY', keys, { old, next }, NOW)!;
    assert.deepEqual([only.k, only.n, only.o], [{ pk: { S: 'p' }, sk: { N: '1' } }, undefined, undefined]);
    const newer = recordOfChange('NEW_IMAGE', keys, { old, next }, NOW)!;
    assert.deepEqual([newer.n, newer.o], [next, undefined]);
    const older = recordOfChange('OLD_IMAGE', keys, { old, next }, NOW)!;
    assert.deepEqual([older.n, older.o], [undefined, old]);
    const both = recordOfChange('NEW_AND_OLD_IMAGES', keys, { old, next }, NOW)!;
    assert.deepEqual([both.n, both.o], [next, old]);
    const removed = recordOfChange('NEW_AND_OLD_IMAGES', keys, { old, next: undefined }, NOW)!;
    assert.deepEqual([removed.n, removed.o], [undefined, old]);
    const inserted = recordOfChange('OLD_IMAGE', keys, { old: undefined, next }, NOW)!;
    assert.deepEqual([inserted.n, inserted.o], [undefined, undefined]);
  });

  it('sizes the record as its attribute data, the keys alone for KEYS_ONLY', () => {
    // The GetRecords reference's sample: keys ForumName "DynamoDB" and
    // Subject "DynamoDB Thread 3" have SizeBytes 41.
    const forum = { hash: 'ForumName', range: 'Subject' };
    const record = recordOfChange(
      'KEYS_ONLY',
      forum,
      { old: undefined, next: { ForumName: { S: 'DynamoDB' }, Subject: { S: 'DynamoDB Thread 3' }, Views: { N: '5' } } },
      NOW,
    )!;
    assert.equal(record.s, 41);
    const both = recordOfChange('NEW_AND_OLD_IMAGES', keys, { old: item(), next: item({ a: { S: 'xy' } }) }, NOW)!;
    // keys (pk p: 3, sk 1: 4) + new (7 + a xy: 3) + old (7)
    assert.equal(both.s, 7 + 10 + 7);
  });

  it('marks deletions by the service', () => {
    assert.equal(recordOfChange('KEYS_ONLY', keys, { old: item(), next: undefined, byService: true }, NOW)?.u, 1);
    assert.equal(recordOfChange('KEYS_ONLY', keys, { old: item(), next: undefined }, NOW)?.u, undefined);
  });
});

describe('renderRecord', () => {
  it("shapes GetRecords' Record, with creation time in whole epoch seconds", () => {
    const stored = recordOfChange('NEW_IMAGE', keys, { old: undefined, next: item({ a: { S: 'x' } }) }, NOW)!;
    const out = renderRecord(stored, { viewType: 'NEW_IMAGE', region: 'eu-west-1', sequenceNumber: '100000000000000000042', eventId: 'e'.repeat(32) });
    assert.deepEqual(out, {
      awsRegion: 'eu-west-1',
      dynamodb: {
        ApproximateCreationDateTime: 1_700_000_000,
        Keys: { pk: { S: 'p' }, sk: { N: '1' } },
        NewImage: item({ a: { S: 'x' } }),
        SequenceNumber: '100000000000000000042',
        SizeBytes: stored.s,
        StreamViewType: 'NEW_IMAGE',
      },
      eventID: 'e'.repeat(32),
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
    });
  });

  it('gives a TTL deletion the service identity', () => {
    const stored = recordOfChange('KEYS_ONLY', keys, { old: item(), next: undefined, byService: true }, NOW)!;
    const out = renderRecord(stored, { viewType: 'KEYS_ONLY', region: 'us-east-1', sequenceNumber: '1'.repeat(21), eventId: '0'.repeat(32) });
    assert.deepEqual(out.userIdentity, { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' });
  });
});
