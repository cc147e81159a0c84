import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttributeValue, Item } from '../values/types.js';
import { evaluateCondition } from './evaluate-condition.js';
import { ExpressionContext } from './expression-context.js';

const item: Item = {
  pk: { S: 'k' },
  s: { S: 'hello' },
  u: { S: 'héllo' },
  n: { N: '10' },
  neg: { N: '-2.5' },
  b: { B: Buffer.from('hi there').toString('base64') },
  t: { BOOL: true },
  z: { NULL: true },
  ss: { SS: ['dog', 'cat'] },
  ns: { NS: ['2', '4', '7'] },
  bs: { BS: [Buffer.from('x').toString('base64')] },
  l: { L: [{ N: '2' }, { S: 'dog' }, { SS: ['a', 'b'] }, { L: [{ N: '3' }] }] },
  m: { M: { x: { N: '2' }, y: { M: { deep: { S: 'v' } } } } },
  constructor: { S: 'own' },
};

/** Evaluates `text` against `item`, or against `target` when one is given (null: no item). */
function check(
  text: string,
  values: Record<string, AttributeValue> = {},
  target: Item | null = item,
  names?: Record<string, string>,
): boolean {
  return evaluateCondition(new ExpressionContext(names, values).condition(text), target ?? undefined);
}

const N = (n: string): AttributeValue => ({ N: n });
const S = (s: string): AttributeValue => ({ S: s });
const B = (s: string): AttributeValue => ({ B: Buffer.from(s).toString('base64') });

describe('evaluateCondition: comparisons', () => {
  it('compares numbers by value, strings and binaries by bytes', () => {
    assert.equal(check('n = :v', { ':v': N('10') }), true);
    assert.equal(check('n > :v', { ':v': N('9.99') }), true);
    assert.equal(check('neg < :v', { ':v': N('-2') }), true);
    assert.equal(check('s < :v', { ':v': S('help') }), true);
    assert.equal(check('s >= :v', { ':v': S('hello') }), true);
    assert.equal(check('s <= :v', { ':v': S('hell') }), false);
    assert.equal(check('b > :v', { ':v': B('hi') }), true);
    // UTF-8 order: U+FFFD sorts below U+10000 although UTF-16 says otherwise.
    assert.equal(check(':a < :b', { ':a': S('\uFFFD'), ':b': S('\u{10000}') }), true);
  });

  it('is false for mismatched types and missing attributes, except <>', () => {
    assert.equal(check('n = :v', { ':v': S('10') }), false);
    assert.equal(check('n < :v', { ':v': S('zzz') }), false);
    assert.equal(check('l < :v', { ':v': N('3') }), false);
    assert.equal(check('q = :v', { ':v': N('1') }), false);
    assert.equal(check('q < :v', { ':v': N('1') }), false);
    assert.equal(check('q <> :v', { ':v': N('1') }), true);
    assert.equal(check('q = r'), false);
    assert.equal(check('q <> r'), true);
    assert.equal(check('n <> :v', { ':v': S('10') }), true);
    assert.equal(check('q < r'), false);
  });

  it('compares sets regardless of order and lists and maps deeply', () => {
    assert.equal(check('ss = :v', { ':v': { SS: ['cat', 'dog'] } }), true);
    assert.equal(check('ns = :v', { ':v': { NS: ['7', '2', '4'] } }), true);
    assert.equal(check('m = :v', { ':v': { M: { y: { M: { deep: S('v') } }, x: N('2') } } }), true);
    assert.equal(check('l = :v', { ':v': { L: [N('2')] } }), false);
    assert.equal(check('t = :v AND z = :z', { ':v': { BOOL: true }, ':z': { NULL: true } }), true);
  });

  it('handles BETWEEN and IN', () => {
    assert.equal(check('n BETWEEN :a AND :b', { ':a': N('10'), ':b': N('11') }), true);
    assert.equal(check('n BETWEEN :a AND :b', { ':a': N('11'), ':b': N('12') }), false);
    assert.equal(check('s BETWEEN :a AND :b', { ':a': N('1'), ':b': N('100') }), false);
    assert.equal(check('q BETWEEN :a AND :b', { ':a': N('1'), ':b': N('100') }), false);
    assert.equal(check('n IN (:a, :b)', { ':a': S('10'), ':b': N('10') }), true);
    assert.equal(check('n IN (:a, q)', { ':a': N('1') }), false);
    assert.equal(check('q IN (:a)', { ':a': N('1') }), false);
    assert.equal(check('l[1] IN (:a)', { ':a': S('dog') }), true);
  });
});

describe('evaluateCondition: functions', () => {
  it('attribute_exists / attribute_not_exists follow nested paths', () => {
    assert.equal(check('attribute_exists(m.y.deep)'), true);
    assert.equal(check('attribute_exists(m.y.nope)'), false);
    assert.equal(check('attribute_exists(l[3][0])'), true);
    assert.equal(check('attribute_exists(l[4])'), false);
    assert.equal(check('attribute_exists(s.x)'), false);
    assert.equal(check('attribute_exists(m[0])'), false);
    assert.equal(check('attribute_not_exists(q)'), true);
    assert.equal(check('attribute_not_exists(pk)', {}, null), true);
  });

  it('treats prototype names as plain attribute names', () => {
    assert.equal(check('attribute_exists(toString)'), false);
    assert.equal(check('attribute_exists(#p)', {}, { a: S('x') }, { '#p': '__proto__' }), false);
    assert.equal(check('#c = :v', { ':v': S('own') }, item, { '#c': 'constructor' }), true);
  });

  it('attribute_type matches the stored type', () => {
    for (const [name, type] of [
      ['s', 'S'],
      ['n', 'N'],
      ['b', 'B'],
      ['t', 'BOOL'],
      ['z', 'NULL'],
      ['ss', 'SS'],
      ['ns', 'NS'],
      ['bs', 'BS'],
      ['l', 'L'],
      ['m', 'M'],
    ]) {
      assert.equal(check(`attribute_type(${name}, :t)`, { ':t': S(type as string) }), true, name);
      assert.equal(check(`attribute_type(${name}, :t)`, { ':t': S(type === 'S' ? 'N' : 'S') }), false, name);
    }
    assert.equal(check('attribute_type(:v, :t)', { ':v': N('0'), ':t': S('N') }), true);
    assert.equal(check('attribute_type(q, :t)', { ':t': S('S') }), false);
  });

  it('begins_with works on strings and bytes, either way round', () => {
    assert.equal(check('begins_with(s, :p)', { ':p': S('hel') }), true);
    assert.equal(check('begins_with(s, :p)', { ':p': S('dog') }), false);
    assert.equal(check('begins_with(b, :p)', { ':p': B('hi ') }), true);
    assert.equal(check('begins_with(b, :p)', { ':p': B('hi there!') }), false);
    assert.equal(check('begins_with(n, :p)', { ':p': S('1') }), false);
    assert.equal(check('begins_with(:str, s)', { ':str': S('hellohi') }), true);
    assert.equal(check('begins_with(q, :p)', { ':p': S('') }), false);
  });

  it('contains: substrings, set members and list elements', () => {
    assert.equal(check('contains(s, :v)', { ':v': S('ell') }), true);
    assert.equal(check('contains(s, :v)', { ':v': N('1') }), false);
    assert.equal(check('contains(b, :v)', { ':v': B('there') }), true);
    assert.equal(check('contains(b, :v)', { ':v': B('dog') }), false);
    assert.equal(check('contains(ss, :v)', { ':v': S('cat') }), true);
    assert.equal(check('contains(ns, :v)', { ':v': N('4') }), true);
    assert.equal(check('contains(ns, :v)', { ':v': S('4') }), false);
    assert.equal(check('contains(bs, :v)', { ':v': B('x') }), true);
    assert.equal(check('contains(l, :v)', { ':v': N('2') }), true);
    assert.equal(check('contains(l, :v)', { ':v': { SS: ['b', 'a'] } }), true);
    assert.equal(check('contains(l, :v)', { ':v': { L: [N('3')] } }), true);
    assert.equal(check('contains(b, :v)', { ':v': { NS: ['1'] } }), false);
    assert.equal(check('contains(m, :v)', { ':v': S('x') }), false);
    assert.equal(check('contains(q, :v)', { ':v': S('x') }), false);
  });

  it('size counts UTF-8 bytes, binary bytes and elements', () => {
    assert.equal(check('size(s) = :v', { ':v': N('5') }), true);
    assert.equal(check('size(u) = :v', { ':v': N('6') }), true);
    assert.equal(check('size(b) = :v', { ':v': N('8') }), true);
    assert.equal(check('size(ns) = :v', { ':v': N('3') }), true);
    assert.equal(check('size(l) = :v', { ':v': N('4') }), true);
    assert.equal(check('size(m) = :v', { ':v': N('2') }), true);
    assert.equal(check('size(:x) = :v', { ':x': S('abc'), ':v': N('3') }), true);
    assert.equal(check('size(s) = n'), false);
    assert.equal(check('size(s) < n'), true);
    assert.equal(check('size(s) BETWEEN :a AND :b', { ':a': N('1'), ':b': N('5') }), true);
  });

  it('size of a number, boolean or null or of nothing has no value', () => {
    for (const name of ['n', 't', 'z', 'q']) {
      assert.equal(check(`size(${name}) >= :v`, { ':v': N('0') }), false, name);
      assert.equal(check(`size(${name}) <> :v`, { ':v': N('0') }), true, name);
    }
  });
});

describe('evaluateCondition: logic', () => {
  it('applies AND, OR and NOT with DynamoDB precedence', () => {
    const v = { ':t': N('10'), ':f': N('0') };
    assert.equal(check('n = :t OR n = :f AND n = :f', v), true);
    assert.equal(check('(n = :t OR n = :f) AND n = :f', v), false);
    assert.equal(check('NOT n = :f AND n = :t', v), true);
    assert.equal(check('NOT (n = :t AND n = :f)', v), true);
    assert.equal(check('NOT NOT n = :t', v), true);
  });

  it('sees no attributes in an item that does not exist', () => {
    assert.equal(check('attribute_not_exists(pk) AND q <> :v', { ':v': N('1') }, null), true);
    assert.equal(check('pk = :v', { ':v': S('k') }, null), false);
  });
});
