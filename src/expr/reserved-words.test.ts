import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isReservedWord, reservedWordCount } from './reserved-words.js';

describe('isReservedWord', () => {
  it('holds the 573 words of the developer guide', () => {
    assert.equal(reservedWordCount, 573);
  });

  it('matches in any letter case', () => {
    for (const word of ['status', 'NAME', 'Data', 'count', 'items', 'abort', 'ZONE', 'size', 'ttl']) {
      assert.equal(isReservedWord(word), true, word);
    }
  });

  it('leaves other names alone', () => {
    for (const word of ['pk', 'sk', 'attr1', 'statuses', 'contains', 'begins_with', 'toString', '__proto__']) {
      assert.equal(isReservedWord(word), false, word);
    }
  });
});
