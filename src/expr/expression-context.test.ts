import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import type { AttributeValue } from '../values/types.js';
import { ExpressionContext } from './expression-context.js';

function throwsValidation(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynamoError(e), `expected a DynamoError, got ${String(e)}`);
    assert.equal(e.shortType, 'ValidationException');
    assert.equal(e.message, message);
    return true;
  });
}

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: string): AttributeValue => ({ N: n });

describe('ExpressionContext: placeholders', () => {
  it('substitutes #names and :values', () => {
    const ctx = new ExpressionContext({ '#a': 'status', '#b': 'x.y' }, { ':v': S('on') });
    assert.deepEqual(ctx.condition('#a.#b[2] = :v'), {
      kind: 'compare',
      op: '=',
      left: { kind: 'path', path: ['status', 'x.y', 2] },
      right: { kind: 'value', value: { S: 'on' } },
    });
    ctx.assertAllUsed();
  });

  it('reports an undefined #name or :value with the parameter name', () => {
    throwsValidation(
      () => new ExpressionContext(undefined, { ':pk': S('v'), ':fv': S('x') }).condition('#missing = :fv', 'FilterExpression'),
      'Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #missing',
    );
    throwsValidation(
      () => new ExpressionContext().update('SET attr1 = :v'),
      'Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v',
    );
    throwsValidation(
      () => new ExpressionContext({ '#n2': 'b' }).projection('a.#wrong'),
      'Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #wrong',
    );
  });

  it('counts placeholders used by any expression of the request', () => {
    const ctx = new ExpressionContext({ '#name1': 'p', '#name2': 'a' }, { ':val1': S('x') });
    ctx.condition('#name1 = :val1', 'KeyConditionExpression');
    ctx.projection('#name2');
    ctx.assertAllUsed();
  });

  it('lists unused names, then unused values, in the order given', () => {
    const names = new ExpressionContext({ '#a': 'a', '#b': 'b' }, { ':a': S('a'), ':b': S('a') });
    names.update('remove a set b = list_append(b, if_not_exists(a, :a))');
    names.condition('a = :b');
    throwsValidation(() => names.assertAllUsed(), 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}');

    const values = new ExpressionContext(undefined, { ':a': S('a'), ':b': S('a'), ':c': S('a') });
    values.update('remove a');
    values.condition('a = :b');
    throwsValidation(() => values.assertAllUsed(), 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}');
  });
});

describe('ExpressionContext: condition checks, one atomic condition at a time', () => {
  const filter = (text: string, values: Record<string, AttributeValue> = {}, names?: Record<string, string>) =>
    new ExpressionContext(names, values).condition(text, 'FilterExpression');

  it('reports the first undefined name of the first failing condition', () => {
    for (const [text, ref] of [
      ['attribute_exists(#Pictures.RearView, :a) and a=a', '#Pictures'],
      ['begins_with(Pictures.#RearView)', '#RearView'],
      ['(#P between :lo and :hi) and (#PC in (:cat1, :cat2))', '#P'],
      ['#4g > a', '#4g'],
      ['#_ > a', '#_'],
      ['(a)between(b.c[45].#d)and(:a)', '#d'],
    ] as const) {
      throwsValidation(
        () => filter(text),
        `Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: ${ref}`,
      );
    }
  });

  it('reports the first undefined value', () => {
    for (const [text, ref] of [
      ['begins_with(:hello, #a, #b)', ':hello'],
      [':a < :b', ':a'],
      [':_ > a', ':_'],
    ] as const) {
      throwsValidation(
        () => filter(text),
        `Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: ${ref}`,
      );
    }
  });

  it('reports wrong operand counts', () => {
    for (const [text, fn, count] of [
      ['attribute_exists(things, a) and a=a', 'attribute_exists', 2],
      ['attribute_not_exists(things, b)', 'attribute_not_exists', 2],
      ['attribute_type(things)', 'attribute_type', 1],
      ['begins_with(things)', 'begins_with', 1],
      ['begins_with(things, size(a), b)', 'begins_with', 3],
      ['contains(things)', 'contains', 1],
      ['size(things, a) > b', 'size', 2],
    ] as const) {
      throwsValidation(
        () => filter(text),
        `Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: ${fn}, number of operands: ${count}`,
      );
    }
  });

  it('reports operand types that are known from the request', () => {
    const types: AttributeValue[] = [
      { N: '1' },
      { B: 'YQ==' },
      { BOOL: true },
      { NULL: true },
      { L: [] },
      { M: {} },
      { SS: ['1'] },
      { NS: ['1'] },
      { BS: ['YQ=='] },
    ];
    for (const value of types) {
      const type = Object.keys(value)[0] as string;
      throwsValidation(
        () => filter('attribute_type(a, :a)', { ':a': value }),
        `Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: ${type}`,
      );
      if (type !== 'B') {
        throwsValidation(
          () => filter('begins_with(a, :a)', { ':a': value }),
          `Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${type}`,
        );
        throwsValidation(
          () => filter('begins_with(:a, a)', { ':a': value }),
          `Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: ${type}`,
        );
      }
    }
    throwsValidation(
      () => filter('attribute_type(a, size(a)) and a=a and a=:a', { ':a': N('1') }),
      'Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N',
    );
    throwsValidation(
      () => filter('begins_with(a, size(a)) and a=:a', { ':a': N('1') }),
      'Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
    );
    for (const [text, type] of [
      ['size(size(a)) > :a', 'N'],
      ['attribute_not_exists(size(:a))', 'N'],
      ['size(:b) > a', 'BOOL'],
      ['size(:c) > a', 'NULL'],
    ] as const) {
      throwsValidation(
        () => filter(text, { ':a': N('1'), ':b': { BOOL: true }, ':c': { NULL: true } }),
        `Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: size, operand type: ${type}`,
      );
    }
    throwsValidation(
      () => filter('attribute_type(s, i)'),
      'Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}',
    );
  });

  it('refuses unordered constants in order comparisons', () => {
    throwsValidation(
      () => filter('a < :v', { ':v': { L: [N('1')] } }),
      'Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: <, operand type: L',
    );
    throwsValidation(
      () => filter('n BETWEEN :a AND :b', { ':a': { BOOL: true }, ':b': { BOOL: false } }),
      'Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: BOOL',
    );
    assert.doesNotThrow(() => filter('a = :v AND a <> :v', { ':v': { L: [] } }));
  });

  it('checks attribute_type names', () => {
    throwsValidation(
      () => filter('attribute_type(a, :a)', { ':a': S('1') }),
      'Invalid FilterExpression: Invalid attribute type name found; type: 1, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}',
    );
  });

  it('wants a path for attribute_exists and attribute_not_exists', () => {
    for (const [text, fn] of [
      ['attribute_exists(:a) and a=a', 'attribute_exists'],
      ['attribute_not_exists(size(:a))', 'attribute_not_exists'],
    ] as const) {
      throwsValidation(
        () => filter(text, { ':a': S('1') }),
        `Invalid FilterExpression: Operator or function requires a document path; operator or function: ${fn}`,
      );
    }
  });

  it('wants the two operands of a comparison or function to differ', () => {
    for (const [text, operator, first] of [
      ['a = a AND #a = b AND :views > a', '=', '[a]'],
      ['#a <> a', '<>', '[a]'],
      ['a > #a', '>', '[a]'],
      ['((a=a) OR (a=a))', '=', '[a]'],
      ['contains(ab.bc[1].a, ab.bc[1].#a)', 'contains', '[ab, bc, [1], a]'],
      ['attribute_type(ab.bc[1].#a, ab.bc[1].a)', 'attribute_type', '[ab, bc, [1], a]'],
      ['begins_with(ab.bc[1].a, ab.bc[1].#a)', 'begins_with', '[ab, bc, [1], a]'],
    ] as const) {
      throwsValidation(
        () => filter(text, { ':views': S('v') }, { '#a': 'a' }),
        `Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: ${operator}, first operand: ${first}`,
      );
    }
    assert.doesNotThrow(() => filter(':a > :a', { ':a': N('1') }));
  });

  it('checks BETWEEN bounds given as constants', () => {
    throwsValidation(
      () => filter('i BETWEEN :a AND :b', { ':a': N('1'), ':b': S('a') }),
      'Invalid FilterExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}',
    );
    throwsValidation(
      () => filter('i BETWEEN :a AND :b', { ':a': N('10'), ':b': N('9') }),
      'Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:9}',
    );
    assert.doesNotThrow(() => filter('i BETWEEN :a AND :a', { ':a': N('9') }));
  });

  it('ranks an undefined value above operand counts within one condition', () => {
    throwsValidation(
      () => filter('begins_with(:nope, a, b)'),
      'Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :nope',
    );
  });

  it('reports the condition that comes first, whatever its error kind', () => {
    throwsValidation(
      () => filter('size(a, b) > :v AND #undefined = :v', { ':v': N('1') }),
      'Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2',
    );
  });

  it('limits IN to 100 operands', () => {
    const values: Record<string, AttributeValue> = {};
    for (let i = 0; i < 100; i++) values[`:v${i}`] = N(String(i));
    const list = (n: number): string => Object.keys(values).slice(0, n).join(',');
    assert.doesNotThrow(() => filter(`a IN (${list(99)})`, values));
    throwsValidation(
      () => filter(`a IN (${list(100)})`, values),
      'Invalid FilterExpression: Too many operands for the operator or function; operator or function: IN, number of operands: 101',
    );
  });
});

describe('ExpressionContext: update checks', () => {
  const update = (text: string, values: Record<string, AttributeValue> = {}, names?: Record<string, string>) =>
    new ExpressionContext(names, values).update(text);

  it('reports overlapping paths before conflicting ones, earlier path first', () => {
    throwsValidation(
      () => update('set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)', {}, { '#c': 'c', '#d': '[3]' }),
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1], a], path two: [c]',
    );
    throwsValidation(
      () => update('set #c[3].#d = a, #c[3] = a', {}, { '#c': 'c', '#d': '[3]' }),
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3]]',
    );
    throwsValidation(
      () => update('set #c[3].#d = a, #c.#d[3] = if_not_exists(a)', {}, { '#c': 'c', '#d': '[3]' }),
      'Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3], [3]]',
    );
    throwsValidation(
      () => update('remove a.#c set a[1] = #d', {}, { '#c': 'c', '#d': '[3]' }),
      'Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, c], path two: [a, [1]]',
    );
    throwsValidation(
      () => update('SET a = :v REMOVE a', { ':v': N('1') }),
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]',
    );
    assert.doesNotThrow(() => update('SET a.b = :v, a.c = :v, a.d[1] = :v, e = a', { ':v': N('1') }));
  });

  it('reports ADD and DELETE operands of the wrong type', () => {
    const cases: [string, AttributeValue, string, string][] = [
      ['set b = list_append(:a, a), c = if_not_exists(a) add a.b :a', { S: 'a' }, 'ADD', 'STRING'],
      ['delete a.b :a', { S: 'a' }, 'DELETE', 'STRING'],
      ['add a.b :a', { NULL: true }, 'ADD', 'NULL'],
      ['delete a.b :a', { NULL: true }, 'DELETE', 'NULL'],
      ['add a.b :a', { BOOL: false }, 'ADD', 'BOOLEAN'],
      ['delete a.b :a', { BOOL: false }, 'DELETE', 'BOOLEAN'],
      ['add a.b :a', { B: 'YQ==' }, 'ADD', 'BINARY'],
      ['delete a.b :a', { B: 'YQ==' }, 'DELETE', 'BINARY'],
      ['add a.b :a', { M: { a: { L: [N('1')] } } }, 'ADD', 'MAP'],
      ['delete a.b :a', { M: {} }, 'DELETE', 'MAP'],
      ['add a.b :a', { L: [N('1')] }, 'ADD', 'LIST'],
      ['delete a.b :a', { L: [] }, 'DELETE', 'LIST'],
      ['delete a.b :a', { N: '1' }, 'DELETE', 'NUMBER'],
    ];
    for (const [text, value, operator, type] of cases) {
      throwsValidation(
        () => update(text, { ':a': value, ':b': S('a') }),
        `Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ${operator}, operand type: ${type}`,
      );
    }
    assert.doesNotThrow(() => update('ADD a :n, b :s DELETE c :s', { ':n': N('1'), ':s': { SS: ['x'] } }));
  });

  it('reports function errors: operand counts, paths, types', () => {
    throwsValidation(
      () => update('set a = if_not_exists(c)'),
      'Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1',
    );
    throwsValidation(
      () => update('set a = list_append(c)'),
      'Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1',
    );
    for (const text of ['set a = if_not_exists(:a, c)', 'set a = if_not_exists(if_not_exists(a, b), c)']) {
      throwsValidation(
        () => update(text, { ':a': S('a') }),
        'Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists',
      );
    }
    const values: Record<string, AttributeValue> = {
      ':a': S('a'),
      ':b': N('1'),
      ':c': { B: 'YQ==' },
      ':d': { BOOL: false },
      ':e': { NULL: true },
      ':f': { SS: ['a'] },
      ':g': { NS: ['1'] },
      ':h': { BS: ['YQ=='] },
      ':i': { M: {} },
      ':j': { L: [] },
    };
    const cases: [string, string, string][] = [
      ['set a = list_append(:a, a)', 'list_append', 'S'],
      ['set a = list_append(a, :b)', 'list_append', 'N'],
      ['set a = list_append(:i, a)', 'list_append', 'M'],
      ['set a = a + :a', '+', 'S'],
      ['set a = :a + :c', '+', 'S'],
      ['set a = :c + a', '+', 'B'],
      ['set a = a + :j', '+', 'L'],
      ['set a = a - :f', '-', 'SS'],
      ['set a = a - :e', '-', 'NULL'],
    ];
    for (const [text, fn, type] of cases) {
      const ctx = new ExpressionContext(undefined, values);
      throwsValidation(
        () => ctx.update(text),
        `Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: ${fn}, operand type: ${type}`,
      );
    }
  });

  it('ranks undefined names, then undefined values, above path clashes', () => {
    throwsValidation(
      () => update('SET #c = if_not_exists(:c), a = :v REMOVE a', {}),
      'Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #c',
    );
    throwsValidation(
      () => update('SET #a = if_not_exists(:c), a = :v REMOVE a', {}, { '#a': 'a' }),
      'Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :c',
    );
  });

  it('resolves actions in the order written', () => {
    const resolved = update('REMOVE x ADD n :one SET a = if_not_exists(a, :one) + :one', { ':one': N('1') });
    assert.deepEqual(resolved.actions, [
      { kind: 'remove', path: ['x'] },
      { kind: 'add', path: ['n'], value: { N: '1' } },
      {
        kind: 'set',
        path: ['a'],
        value: {
          kind: 'plus',
          left: { kind: 'ifNotExists', path: ['a'], fallback: { kind: 'value', value: { N: '1' } } },
          right: { kind: 'value', value: { N: '1' } },
        },
      },
    ]);
  });
});

describe('ExpressionContext: projection checks', () => {
  it('refuses overlapping paths', () => {
    for (const text of [
      'a, a',
      'a.b, a.b',
      'a[1], a[1]',
      'a, a.b',
      'a.b, a',
      'a.b, a.b[2]',
      'a.b, a.b.c',
      'a, a.b[2].c',
      'a.b.d, a.b',
      'a.b.d.e, a.b',
      'a.b, a.b.d',
      'a.b, a.b.d.e',
    ]) {
      assert.throws(() => new ExpressionContext().projection(text), /Two document paths overlap with each other/, text);
    }
    throwsValidation(
      () => new ExpressionContext().projection('a.b[0],a.b[0]'),
      'Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, [0]], path two: [a, b, [0]]',
    );
  });

  it('refuses conflicting paths', () => {
    for (const text of ['a.b, a[1]', 'a[1], a.b', 'a.b[1], a.b.c', 'a.b.c, a.b[1]']) {
      assert.throws(() => new ExpressionContext().projection(text), /Two document paths conflict with each other/, text);
    }
    throwsValidation(
      () => new ExpressionContext().projection('a.b, a[1]'),
      'Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]',
    );
  });

  it('accepts siblings', () => {
    for (const text of ['a, b', 'a.b, a.c', 'a.b.d, a.b.e', 'a[1], a[2]', 'a.b, a.c[2]']) {
      assert.doesNotThrow(() => new ExpressionContext().projection(text), text);
    }
    assert.deepEqual(new ExpressionContext({ '#n': 'a.b' }).projection('#n, c[0].d'), [['a.b'], ['c', 0, 'd']]);
  });
});
