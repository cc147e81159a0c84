/** @module streams/sequence-numbers.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSequenceNumber, msOfSequence, parseSequenceNumber, sequenceAtMs } from './sequence-numbers.js';

describe('sequence numbers and time', () => {
  it('a record written at a millisecond has a floor that tells that millisecond back', () => {
    const floor = sequenceAtMs(1_700_000_000_005);
    assert.equal(floor, 1_700_000_000_005n * 1_000_000n);
    assert.equal(msOfSequence(floor), 1_700_000_000_005);
    assert.equal(msOfSequence(floor + 999_999n), 1_700_000_000_005);
  });
});

describe('wire sequence numbers', () => {
  it('are 21 decimal digits whose text order is numeric order', () => {
    const numbers = [0n, 1n, sequenceAtMs(1_700_000_000_000), sequenceAtMs(1_700_000_000_000) + 1n, sequenceAtMs(1_800_000_000_000)].map(
      formatSequenceNumber,
    );
    for (const n of numbers) assert.match(n, /^[0-9]{21}$/);
    const sorted = [...numbers].sort();
    assert.deepEqual(sorted, numbers);
    assert.deepEqual(
      [...numbers].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1)),
      numbers,
    );
  });

  it('parse back to the same value, and refuse what openddb cannot have issued', () => {
    const value = sequenceAtMs(1_700_000_000_123) + 42n;
    assert.equal(parseSequenceNumber(formatSequenceNumber(value)), value);
    assert.equal(parseSequenceNumber('12345678901234567890a'), undefined);
    assert.equal(parseSequenceNumber('099999999999999999999'), undefined, 'below the wire offset');
    assert.equal(parseSequenceNumber('9'.repeat(40)), undefined, 'beyond 64 bits');
    assert.equal(parseSequenceNumber(''), undefined);
  });
});
