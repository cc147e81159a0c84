import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tokenize } from './lexer.js';

const kinds = (source: string): string[] => tokenize(source).map((t) => t.kind);
const texts = (source: string): string[] => tokenize(source).map((t) => t.text);

describe('tokenize', () => {
  it('splits names, placeholders, numbers and punctuation', () => {
    assert.deepEqual(kinds('a.b[12] = :v AND #n <> x'), [
      'name', '.', 'name', '[', 'number', ']', '=', 'valueRef', 'name', 'nameRef', '<>', 'name', 'eof',
    ]);
  });

  it('reads two-character comparators greedily', () => {
    assert.deepEqual(kinds('<= >= <> < >'), ['<=', '>=', '<>', '<', '>', 'eof']);
  });

  it('lets names go on with digits and underscores but not start with them', () => {
    assert.deepEqual(texts('Alpha_Numeric_123 _abc 123a'), ['Alpha_Numeric_123', '_', 'abc', '123', 'a', '<EOF>']);
  });

  it('lets placeholders start with any name character', () => {
    assert.deepEqual(kinds('#123 :_ #_a :9'), ['nameRef', 'valueRef', 'nameRef', 'valueRef', 'eof']);
  });

  it('makes a lone # or : and unknown characters single tokens', () => {
    assert.deepEqual(kinds('# : ! $'), ['unknown', 'unknown', 'unknown', 'unknown', 'eof']);
    assert.deepEqual(texts('!!'), ['!', '!', '<EOF>']);
  });

  it('keeps a character outside the BMP as one token', () => {
    assert.deepEqual(texts('😀'), ['😀', '<EOF>']);
  });

  it('records source offsets, with the end token at the end of input', () => {
    const tokens = tokenize(' ab  = 1 ');
    assert.deepEqual(
      tokens.map((t) => [t.start, t.end]),
      [
        [1, 3],
        [5, 6],
        [7, 8],
        [9, 9],
      ],
    );
  });
});
