/** @module streams/sequence-numbers.test */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  SequenceClock,
  formatSequenceNumber,
  msOfSequence,
  parseSequenceNumber,
  sequenceAtMs,
  sequenceClockOf,
} from './sequence-numbers.js';

describe('SequenceClock', () => {
  it('hands out strictly increasing numbers within a millisecond, and jumps to the clock when it moves', () => {
    const clock = new SequenceClock();
    const a = clock.next(1_700_000_000_000);
    const b = clock.next(1_700_000_000_000);
    const c = clock.next(1_700_000_000_000);
    assert.equal(a, 1_700_000_000_000n * 1_000_000n);
    assert.equal(b, a + 1n);
    assert.equal(c, a + 2n);
    const d = clock.next(1_700_000_000_005);
    assert.equal(d, 1_700_000_000_005n * 1_000_000n);
    assert.equal(msOfSequence(d), 1_700_000_000_005);
  });

  it('keeps increasing when the wall clock goes back', () => {
    const clock = new SequenceClock();
    const a = clock.next(2_000_000_000_000);
    const b = clock.next(1_000_000_000_000);
    assert.ok(b > a);
  });

  it('never hands out a number at or below one it observed', () => {
    const clock = new SequenceClock();
    clock.observe(sequenceAtMs(3_000_000_000_000) + 5n);
    assert.equal(clock.next(1_000), sequenceAtMs(3_000_000_000_000) + 6n);
  });

  it('is shared by everything using one engine, and separate between engines', () => {
    const engine = {};
    assert.equal(sequenceClockOf(engine), sequenceClockOf(engine));
    assert.notEqual(sequenceClockOf(engine), sequenceClockOf({}));
  });
});

describe('wire sequence numbers', () => {
  it('are 21 decimal digits whose text order is numeric order', () => {
    const clock = new SequenceClock();
    const numbers = [0, 1, 1_700_000_000_000, 1_700_000_000_000, 1_800_000_000_000].map((ms) =>
      formatSequenceNumber(clock.next(ms)),
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
