import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import type { AttributeValue, Item } from '../values/types.js';
import { applyUpdate } from './apply-update.js';
import type { UpdateOptions } from './apply-update.js';
import { ExpressionContext } from './expression-context.js';
import { projectItem } from './project.js';

const N = (n: string): AttributeValue => ({ N: n });
const S = (s: string): AttributeValue => ({ S: s });

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function update(
  item: Item | undefined,
  text: string,
  values: Record<string, AttributeValue> = {},
  options: UpdateOptions = {},
  names?: Record<string, string>,
): Item {
  const resolved = new ExpressionContext(names, values).update(text);
  return applyUpdate(resolved, item === undefined ? undefined : deepFreeze(item), options).item;
}

function throwsValidation(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynamoError(e), `expected a DynamoError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

const INVALID_PATH = 'The document path provided in the update expression is invalid for update';
const MISSING = 'The provided expression refers to an attribute that does not exist in the item';
const WRONG_TYPE = 'An operand in the update expression has an incorrect data type';

describe('applyUpdate: SET', () => {
  it('sets top-level and nested attributes', () => {
    const before: Item = { p: S('k'), a: { M: { b: { M: { c: S('old') } } } } };
    assert.deepEqual(update(before, 'SET a.b.c = :v, d = :v', { ':v': S('new') }), {
      p: S('k'),
      a: { M: { b: { M: { c: S('new') } } } },
      d: S('new'),
    });
  });

  it('reads every value before writing, so assignments can swap', () => {
    const before: Item = { a: N('1'), b: N('2') };
    assert.deepEqual(update(before, 'SET a = b, b = a'), { a: N('2'), b: N('1') });
    throwsValidation(() => update({}, 'SET x = :v, y = x', { ':v': N('1') }), MISSING);
    throwsValidation(() => update(undefined, 'SET c = b'), MISSING);
  });

  it('replaces a list element in place and appends past the end in index order', () => {
    const before: Item = { l: { L: [S('one'), S('two'), S('three')] } };
    assert.deepEqual(update(before, 'SET l[1] = :v', { ':v': S('2') }).l, { L: [S('one'), S('2'), S('three')] });
    assert.deepEqual(update(before, 'SET l[7] = :v', { ':v': S('hello') }).l, {
      L: [S('one'), S('two'), S('three'), S('hello')],
    });
    assert.deepEqual(
      update(before, 'SET l[84] = :a1, l[37] = :a2, l[17] = :a3, l[50] = :a4', {
        ':a1': S('a1'),
        ':a2': S('a2'),
        ':a3': S('a3'),
        ':a4': S('a4'),
      }).l,
      { L: [S('one'), S('two'), S('three'), S('a3'), S('a2'), S('a4'), S('a1')] },
    );
    assert.deepEqual(update({ l: { L: [] } }, 'SET l[0] = :v', { ':v': S('first') }).l, { L: [S('first')] });
  });

  it('needs the parent to exist with the right type', () => {
    const before: Item = { a: S('hello'), b: { L: [S('hi')] }, m: { M: {} } };
    for (const text of ['SET a.c = :v', 'SET b.c = :v', 'SET c.c = :v', 'SET a[0] = :v', 'SET m[0] = :v', 'SET x.y.z = :v']) {
      throwsValidation(() => update(before, text, { ':v': N('7') }), INVALID_PATH);
    }
    throwsValidation(() => update(undefined, 'SET b[1] = :v', { ':v': N('7') }, { key: { p: S('k') } }), INVALID_PATH);
  });

  it('computes +, -, if_not_exists and list_append', () => {
    const before: Item = { n: N('42'), l: { L: [S('a')] }, m: { M: { c: N('10') } } };
    const values = { ':v': N('7'), ':zero': N('0'), ':l': { L: [S('b')] } };
    assert.deepEqual(
      update(before, 'SET n = n + :v, x = if_not_exists(x, :zero) - :v, l = list_append(l, :l), y = list_append(:l, l), m.c = m.c + :v', values),
      {
        n: N('49'),
        x: N('-7'),
        l: { L: [S('a'), S('b')] },
        y: { L: [S('b'), S('a')] },
        m: { M: { c: N('17') } },
      },
    );
    assert.deepEqual(update(before, 'SET n = if_not_exists(n, :zero)', values).n, N('42'));
    assert.deepEqual(update(before, 'SET n = :a + :b', { ':a': N('0.1'), ':b': N('0.2') }).n, N('0.3'));
  });

  it('refuses wrong types and missing operands at run time', () => {
    const before: Item = { s: S('x'), n: N('1'), l: { L: [] } };
    throwsValidation(() => update(before, 'SET e = s + :v', { ':v': N('1') }), WRONG_TYPE);
    throwsValidation(() => update(before, 'SET e = :v - s', { ':v': N('1') }), WRONG_TYPE);
    throwsValidation(() => update(before, 'SET e = list_append(n, l)'), WRONG_TYPE);
    throwsValidation(() => update(before, 'SET e = q + :v', { ':v': N('1') }), MISSING);
    throwsValidation(() => update(before, 'SET e = list_append(l, q)'), MISSING);
  });

  it('reports number overflow from arithmetic', () => {
    assert.throws(
      () => update({ n: N('9E+125') }, 'SET n = n + :v', { ':v': N('9E+125') }),
      /Number overflow/,
    );
  });
});

describe('applyUpdate: REMOVE', () => {
  it('removes attributes, map keys and list elements, shifting later elements', () => {
    const before: Item = { a: N('1'), m: { M: { x: N('1'), y: N('2') } }, l: { L: [S('a'), S('b'), S('c'), S('d')] } };
    assert.deepEqual(update(before, 'REMOVE a, m.x, l[1]'), {
      m: { M: { y: N('2') } },
      l: { L: [S('a'), S('c'), S('d')] },
    });
    assert.deepEqual(update({ m: { M: { b: N('1') } } }, 'REMOVE m.b'), { m: { M: {} } });
    assert.deepEqual(update({ l: { L: [N('1')] } }, 'REMOVE l[0]'), { l: { L: [] } });
  });

  it('counts every list index against the original list', () => {
    const before: Item = { a: { L: [N('2'), N('3'), N('4'), N('5'), N('6'), N('7')] } };
    const expected = { L: [N('2'), N('4'), N('17'), N('6'), N('7')] };
    assert.deepEqual(update(before, 'REMOVE a[1] SET a[3] = :v', { ':v': N('17') }).a, expected);
    assert.deepEqual(update(before, 'SET a[3] = :v REMOVE a[1]', { ':v': N('17') }).a, expected);
    assert.deepEqual(update(before, 'REMOVE a[0], a[2], a[4]').a, { L: [N('3'), N('5'), N('7')] });
  });

  it('ignores what is not there, but not a missing or wrongly typed parent', () => {
    const before: Item = { a: { M: { x: N('3') } }, b: { L: [S('hi')] }, s: S('x') };
    assert.deepEqual(update(before, 'REMOVE a.y, b[7], c'), before);
    for (const text of ['REMOVE s.c', 'REMOVE q.c', 'REMOVE s[0]', 'REMOVE q[0]', 'REMOVE a[0]', 'REMOVE b.c']) {
      throwsValidation(() => update(before, text), INVALID_PATH);
    }
  });

  it('does nothing to an item that does not exist', () => {
    assert.deepEqual(update(undefined, 'REMOVE x.y, z[0], w', {}, { key: { p: S('k') } }), { p: S('k') });
  });

  it('removes nested paths inside list elements', () => {
    const before: Item = {
      a: { M: { b: N('3'), c: { L: [S('hi'), { M: { x: { M: { y: { L: [N('3'), N('5'), N('7')] } } }, q: N('2') } }] } } },
    };
    assert.deepEqual(update(before, 'REMOVE a.c[1].x.y[1], a.c[1].q').a, {
      M: { b: N('3'), c: { L: [S('hi'), { M: { x: { M: { y: { L: [N('3'), N('7')] } } } } }] } },
    });
  });
});

describe('applyUpdate: ADD and DELETE', () => {
  it('adds to numbers, treating a missing number as zero', () => {
    assert.deepEqual(update({ n: N('3') }, 'ADD n :v, m :v', { ':v': N('4') }), { n: N('7'), m: N('4') });
    assert.deepEqual(update(undefined, 'ADD n :v', { ':v': N('-1') }, { key: { p: S('k') } }), { p: S('k'), n: N('-1') });
  });

  it('adds set members once, creating a missing set', () => {
    const after = update({ s: { SS: ['a', 'b'] } }, 'ADD s :v, t :v', { ':v': { SS: ['b', 'c'] } });
    assert.deepEqual(after, { s: { SS: ['a', 'b', 'c'] }, t: { SS: ['b', 'c'] } });
  });

  it('deletes set members, dropping an emptied set and ignoring a missing one', () => {
    const before: Item = { s: { NS: ['1', '2', '3'] }, m: { M: { t: { SS: ['x'] } } } };
    assert.deepEqual(update(before, 'DELETE s :v', { ':v': { NS: ['2', '9'] } }).s, { NS: ['1', '3'] });
    assert.deepEqual(update(before, 'DELETE s :v, m.t :w, q :v', { ':v': { NS: ['1', '2', '3'] }, ':w': { SS: ['x'] } }), {
      m: { M: {} },
    });
  });

  it('refuses mismatched types', () => {
    const before: Item = { b: { M: { a: { SS: ['1'] } } }, c: N('1'), d: { NS: ['1'] }, l: { L: [] } };
    const cases: [string, AttributeValue][] = [
      ['DELETE d :a', { SS: ['1'] }],
      ['DELETE b :a', { NS: ['1'] }],
      ['DELETE b.a :a', { NS: ['1'] }],
      ['DELETE c :a', { NS: ['1'] }],
      ['ADD b :a', { NS: ['1'] }],
      ['ADD d :a', { N: '1' }],
      ['ADD l :a', { SS: ['x'] }],
    ];
    for (const [text, value] of cases) throwsValidation(() => update(before, text, { ':a': value }), WRONG_TYPE);
  });

  it('needs the parent of the target', () => {
    const before: Item = { b: S('x'), c: { M: { '1': S('a') } }, d: { L: [S('a')] } };
    for (const text of ['ADD b.a :a', 'ADD y.a :a', 'ADD c[1] :a', 'DELETE b.a :a', 'DELETE y[1] :a', 'DELETE d.#1 :a']) {
      throwsValidation(() => update(before, text, { ':a': { SS: ['a'] } }, {}, text.includes('#1') ? { '#1': '1' } : undefined), INVALID_PATH);
    }
  });
});

describe('applyUpdate: copy on write and results', () => {
  it('never changes its input and shares what it does not touch', () => {
    const before = deepFreeze<Item>({
      a: { M: { b: { L: [N('1'), N('2')] }, c: { M: { d: N('1') } } } },
      e: { M: { f: N('1') } },
    });
    const snapshot = JSON.stringify(before);
    const result = applyUpdate(
      new ExpressionContext(undefined, { ':v': N('9') }).update('SET a.b[0] = :v REMOVE a.b[1]'),
      before,
    );
    assert.equal(JSON.stringify(before), snapshot);
    assert.deepEqual(result.item.a, { M: { b: { L: [N('9')] }, c: { M: { d: N('1') } } } });
    assert.equal(result.item.e, before.e);
    assert.equal((result.item.a as { M: Item }).M.c, (before.a as { M: Item }).M.c);
  });

  it('stores an attribute called __proto__ as a plain attribute', () => {
    const after = update({}, 'SET #p = :v', { ':v': S('x') }, {}, { '#p': '__proto__' });
    assert.ok(Object.hasOwn(after, '__proto__'));
    assert.equal(Object.getPrototypeOf(after), Object.prototype);
  });

  it('returns the written paths for ReturnValues UPDATED_OLD and UPDATED_NEW', () => {
    const before: Item = { p: S('k'), a: { M: { b: S('dog'), c: { L: [N('1'), N('2'), N('3')] } } }, d: S('cat') };
    const run = (text: string, values: Record<string, AttributeValue> = {}) => {
      const result = applyUpdate(new ExpressionContext(undefined, values).update(text), before);
      return { old: projectItem(before, result.paths), new: projectItem(result.item, result.paths) };
    };
    assert.deepEqual(run('SET a.c[1] = :v, a.b = :w', { ':v': N('8'), ':w': S('yo') }), {
      old: { a: { M: { b: S('dog'), c: { L: [N('2')] } } } },
      new: { a: { M: { b: S('yo'), c: { L: [N('8')] } } } },
    });
    assert.deepEqual(run('REMOVE a.c[1], a.c[5]'), {
      old: { a: { M: { c: { L: [N('2')] } } } },
      new: { a: { M: { c: { L: [N('3')] } } } },
    });
    assert.deepEqual(run('SET a.c[100] = :v, x = :v', { ':v': N('70') }), { old: {}, new: { x: N('70') } });
  });

  it('follows AttributeUpdates semantics when asked', () => {
    const legacy: UpdateOptions = { legacy: true };
    const resolved = { actions: [{ kind: 'add' as const, path: ['l'], value: { L: [S('b')] } }] };
    assert.deepEqual(applyUpdate(resolved, { l: { L: [S('a')] } }, legacy).item, { l: { L: [S('a'), S('b')] } });
    throwsValidation(
      () => applyUpdate({ actions: [{ kind: 'add', path: ['n'], value: N('1') }] }, { n: S('x') }, legacy),
      'Type mismatch for attribute to update',
    );
  });
});
