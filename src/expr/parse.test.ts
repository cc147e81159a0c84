import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDynamoError } from '../errors/index.js';
import { clearParseCache, parseCondition, parseProjection, parseUpdate } from './parse.js';

function throwsValidation(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isDynamoError(e), `expected a DynamoError, got ${String(e)}`);
    assert.equal(e.shortType, 'ValidationException');
    assert.equal(e.message, message);
    return true;
  });
}

const filter = (text: string): unknown => parseCondition(text, 'FilterExpression');
const condition = (text: string): unknown => parseCondition(text, 'ConditionExpression');

describe('syntax errors quote the offending token and its neighbours', () => {
  const cases: [() => unknown, string][] = [
    // Messages observed on DynamoDB (conformance suite and public reports).
    [() => parseUpdate('INVALID SYNTAX HERE'), 'Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"'],
    [() => parseProjection('!!'), 'Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"'],
    [() => condition('a-b'), 'Invalid ConditionExpression: Syntax error; token: "-", near: "a-b"'],
    [
      () => condition('attribute_exists(car_id) AND NOT #has_air_conditioner'),
      'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "#has_air_conditioner"',
    ],
    [() => parseCondition('()', 'KeyConditionExpression'), 'Invalid KeyConditionExpression: Syntax error; token: ")", near: "()"'],
    [() => parseUpdate('SET'), 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "SET"'],
    [() => parseUpdate('SET otp = if_not_exists(otp, 0)'), 'Invalid UpdateExpression: Syntax error; token: "0", near: ", 0)"'],
    [() => parseProjection('l[a]'), 'Invalid ProjectionExpression: Syntax error; token: "a", near: "[a]"'],
    [() => parseUpdate('SET _123 = :v'), 'Invalid UpdateExpression: Syntax error; token: "_", near: "SET _123"'],
  ];
  for (const [fn, message] of cases) it(message, () => throwsValidation(fn, message));
});

describe('the condition grammar', () => {
  it('rejects what DynamoDB rejects as syntax', () => {
    for (const text of [
      'things are not gonna be ok',
      'a > 4',
      'attribute_exists(Pictures-RearView)',
      'attribute_exists("Pictures.RearView")',
      'attribute_exists(Pictures..RearView)',
      'attribute_exists(asdf[a])',
      'a in b, c',
      'a > between',
      'a in b',
      'a in (b,c,)',
      'a in ()',
      '(a)between(b.(c.d))and(c)',
      '#$.b > a',
      'a > :things.stuff',
      'b[:a] > a',
      'b[#_] > a',
      'ü > a',
      'size(a).b > a',
      '(size(a)).b > a',
      'size(a)[0] > a',
      'a',
      ':val',
      'NOT a',
      'a AND :val',
      'a = :val OR NOT :val',
      'a[-1] = :v',
      'p=:p AND c!=:c',
    ]) {
      assert.throws(() => filter(text), /^DynamoError: Invalid FilterExpression: Syntax error; /, text);
    }
  });

  it('accepts parentheses around operands, paths and conditions', () => {
    for (const text of [
      '(a) = :v',
      '(b.c).d = :v',
      '(a)between(b.c)and(c)',
      '((c=:c) AND (p=:p))',
      'NOT NOT a = :v',
      'a = :v OR b = :v AND NOT c = :v',
      'attribute_exists (a)',
      'a In (:a, :b)',
      'x BetWEeN :a aNd :b',
    ]) {
      assert.doesNotThrow(() => filter(text), text);
    }
  });

  it('gives AND precedence over OR and NOT precedence over AND', () => {
    assert.deepEqual(
      JSON.parse(JSON.stringify(filter('a = :a OR NOT b = :b AND c = :c'))),
      {
        kind: 'or',
        left: { kind: 'compare', op: '=', left: path('a'), right: { kind: 'valueRef', ref: ':a' } },
        right: {
          kind: 'and',
          left: {
            kind: 'not',
            operand: { kind: 'compare', op: '=', left: path('b'), right: { kind: 'valueRef', ref: ':b' } },
          },
          right: { kind: 'compare', op: '=', left: path('c'), right: { kind: 'valueRef', ref: ':c' } },
        },
      },
    );
  });

  it('produces frozen nodes', () => {
    const root = filter('a.b[1] = :v') as { left: { elements: unknown[] } };
    assert.ok(Object.isFrozen(root));
    assert.ok(Object.isFrozen(root.left.elements));
  });

  it('reports redundant parentheses', () => {
    for (const text of [
      'a=a and a > ((views))',
      '(a)between(((b.c)).d)and(c)',
      'a > whatever((:things), ((a)))',
      'a=a AND ((a=a AND a=a)) AND a=a',
      'a=a OR ((a=a OR (a=a OR a=a)))',
      '((c=:c) AND ((p=:p)))',
      '((#a = :v))',
    ]) {
      throwsValidation(() => filter(text), 'Invalid FilterExpression: The expression has redundant parentheses;');
    }
  });

  it('reports unknown function names (children first), before misuse', () => {
    throwsValidation(() => filter('a=a and whatever((:things)) > a'), 'Invalid FilterExpression: Invalid function name; function: whatever');
    throwsValidation(() => filter('attRIbute_exIsts((views), #a)'), 'Invalid FilterExpression: Invalid function name; function: attRIbute_exIsts');
    throwsValidation(() => filter('p=:p AND BEGINS_WITH(c,:c)'), 'Invalid FilterExpression: Invalid function name; function: BEGINS_WITH');
    throwsValidation(() => filter('size(dog(a)) > :v'), 'Invalid FilterExpression: Invalid function name; function: dog');
  });

  it('reports functions used where they may not stand', () => {
    const cases: [string, string][] = [
      ['a=a and attribute_exists((views), (#a)) > b', 'attribute_exists'],
      ['attribute_not_exists(things) > b', 'attribute_not_exists'],
      ['attribute_type(things, :a) > b', 'attribute_type'],
      ['begins_with(things, a) > b', 'begins_with'],
      ['contains(:things, c) > b', 'contains'],
      ['size(contains(a, b)) > a', 'contains'],
      ['size(things)', 'size'],
      ['a between b and attribute_exists(things)', 'attribute_exists'],
      ['a in (b, attribute_exists(things))', 'attribute_exists'],
      ['if_not_exists(a, a)=:arg', 'if_not_exists'],
      ['list_append(a, a)=:arg', 'list_append'],
    ];
    for (const [text, fn] of cases) {
      throwsValidation(
        () => filter(text),
        `Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: ${fn}`,
      );
    }
  });

  it('reports bare reserved words, after function errors', () => {
    throwsValidation(() => filter('attribute_exists(views, #a)'), 'Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: views');
    throwsValidation(() => filter(':a < abOrT'), 'Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: abOrT');
    throwsValidation(() => condition('status = :val'), 'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status');
    throwsValidation(() => filter('status = dog(:v)'), 'Invalid FilterExpression: Invalid function name; function: dog');
    // A function name is not an attribute name, even when reserved (SIZE is).
    assert.doesNotThrow(() => filter('size(a) > :v'));
  });
});

describe('the update grammar', () => {
  it('rejects what DynamoDB rejects as syntax', () => {
    for (const text of [
      'whatever',
      'set a',
      'add a',
      'delete a',
      'set a=set',
      'remove a = b',
      'add a = b',
      'delete a = b',
      'delete a b',
      'delete a if_not_exist(b)',
      'add abort b',
      'add a if_not_exist(b)',
      'remove a b',
      'set a b',
      'set :a = b',
      'add :a b',
      'delete :a b',
      'remove :a',
      'set a = b / c',
      'set a = b * c',
      'set a[1] = "eight"',
      'set a[1] = 1',
      'SET a = if_not_exist(a, 100)',
      'SET if_not_exist(a, b) = a',
      'set (a = (b + c))',
      'set a = (b.c).d + e',
      'set a = (b.c)[0] + e',
      'set a = b + c + d',
      'SET c = if_not_exists(c, :val1+:val2)',
      'SET a = _f(b,c,d)',
      'SET # = :v',
      'SET a = :',
      'SET a = :v,',
    ]) {
      assert.throws(() => parseUpdate(text), /^DynamoError: Invalid UpdateExpression: Syntax error; /, text);
    }
  });

  it('accepts clauses in any order and case, and optional parentheses', () => {
    const update = parseUpdate('remove x add n :one SET a = (b + :c), d = (e) - :f, g = list_append(:l, g) delete s :s');
    assert.deepEqual(
      update.actions.map((a) => a.kind),
      ['remove', 'add', 'set', 'set', 'set', 'delete'],
    );
  });

  it('reports reserved words first, then unknown functions, then a repeated section', () => {
    throwsValidation(() => parseUpdate(' set #c = :c set abOrt = true '), 'Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt');
    throwsValidation(() => parseUpdate(' remove Absolute '), 'Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Absolute');
    throwsValidation(() => parseUpdate('set #c = if_not_exist(:c) set c = d'), 'Invalid UpdateExpression: Invalid function name; function: if_not_exist');
    throwsValidation(() => parseUpdate('SET a = f123_hi(b,c,d)'), 'Invalid UpdateExpression: Invalid function name; function: f123_hi');
    for (const [text, section] of [
      ['set a = #c set c = :d', 'SET'],
      ['remove #d set a = b remove e', 'REMOVE'],
      ['add #d :e set a = b add e :f', 'ADD'],
      ['delete #d :e set a = b delete #e :f', 'DELETE'],
    ] as const) {
      throwsValidation(
        () => parseUpdate(text),
        `Invalid UpdateExpression: The "${section}" section can only be used once in an update expression;`,
      );
    }
  });

  it('refuses list_append nested in a call, and condition functions', () => {
    throwsValidation(
      () => parseUpdate('SET a = list_append(list_append(:a, :b), :c)'),
      'Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append',
    );
    throwsValidation(
      () => parseUpdate('SET a = size(b)'),
      'Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: size',
    );
    assert.doesNotThrow(() => parseUpdate('SET a = if_not_exists(b, if_not_exists(c, :v))'));
    assert.doesNotThrow(() => parseUpdate('SET a = list_append(if_not_exists(a, :e), :v)'));
    assert.doesNotThrow(() => parseUpdate('SET b = if_not_exists(b, :v1)+:v2'));
  });
});

describe('the projection grammar', () => {
  it('takes comma-separated paths', () => {
    assert.equal(parseProjection('a, b.c[2], #d').paths.length, 3);
  });

  it('checks reserved words', () => {
    throwsValidation(() => parseProjection('pk, status'), 'Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: status');
  });

  it('rejects list indexes that are not plain numbers', () => {
    assert.throws(() => parseProjection('a[-1]'), /Syntax error; token: "-"/);
    assert.throws(() => parseProjection('a[]'), /Syntax error; token: "]"/);
  });
});

describe('limits', () => {
  it('rejects an empty expression', () => {
    throwsValidation(() => parseUpdate(''), 'Invalid UpdateExpression: The expression can not be empty;');
    throwsValidation(() => parseCondition('', 'KeyConditionExpression'), 'Invalid KeyConditionExpression: The expression can not be empty;');
  });

  it('allows 4096 bytes and no more, checked before syntax', () => {
    assert.doesNotThrow(() => parseProjection('x'.repeat(4096)));
    throwsValidation(
      () => parseProjection('x'.repeat(4097)),
      'Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097',
    );
    throwsValidation(
      () => condition('('.repeat(15000)),
      'Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 15000',
    );
    const depth = 20000;
    throwsValidation(
      () => condition('a<b ' + 'and (a<b '.repeat(depth) + ')'.repeat(depth)),
      'Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 200004',
    );
  });

  it('counts size in UTF-8 bytes', () => {
    throwsValidation(
      () => parseProjection('#a,'.repeat(10) + 'é'.repeat(2040)),
      'Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; expression size: 4110',
    );
  });

  it('allows 300 operators and no more', () => {
    const nested = (depth: number): string => 'a<b ' + 'or (a<b '.repeat(depth) + ')'.repeat(depth);
    assert.doesNotThrow(() => condition(nested(149)));
    throwsValidation(() => condition(nested(150)), 'Invalid ConditionExpression: The expression contains too many operators; operator count: 301');
    // DynamoDB stops counting at the first operator too many.
    throwsValidation(() => condition(nested(454)), 'Invalid ConditionExpression: The expression contains too many operators; operator count: 301');
    const sums = (n: number): string => 'SET ' + Array.from({ length: n }, (_, i) => `x${i}=:v+:v`).join(',');
    assert.doesNotThrow(() => parseUpdate(sums(300)));
    throwsValidation(() => parseUpdate(sums(301)), 'Invalid UpdateExpression: The expression contains too many operators; operator count: 301');
  });

  it('survives deep nesting within 4 KB without exhausting the stack', () => {
    throwsValidation(() => condition('('.repeat(2046) + 'a<b' + ')'.repeat(2046)), 'Invalid ConditionExpression: The expression has redundant parentheses;');
    assert.throws(() => condition('('.repeat(4096)), /Invalid ConditionExpression: Syntax error/);
    assert.throws(() => condition('a < ' + 'f('.repeat(1500) + 'b' + ')'.repeat(1500)), /Invalid ConditionExpression/);
    assert.doesNotThrow(() => condition('not '.repeat(200) + 'a<b'));
  });

  it('allows 32 path levels and no more', () => {
    assert.doesNotThrow(() => parseProjection('a' + '.b'.repeat(31)));
    throwsValidation(
      () => parseProjection('a' + '.b'.repeat(32)),
      'Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33',
    );
  });

  it('rejects a list index beyond a 32-bit integer', () => {
    assert.doesNotThrow(() => parseProjection('a[2147483647]'));
    throwsValidation(
      () => parseProjection('a[99999999999999]'),
      'Invalid ProjectionExpression: List index is not within the allowable range; index: [99999999999999]',
    );
  });
});

describe('the parse cache', () => {
  it('returns the same frozen AST for the same kind and text', () => {
    clearParseCache();
    const first = parseCondition('a = :v', 'FilterExpression');
    assert.equal(parseCondition('a = :v', 'FilterExpression'), first);
    assert.notEqual(parseCondition('a = :v', 'ConditionExpression'), first);
  });

  it('remembers failures and throws a fresh error each time', () => {
    clearParseCache();
    let first: unknown;
    let second: unknown;
    try {
      parseUpdate('SET');
    } catch (e) {
      first = e;
    }
    try {
      parseUpdate('SET');
    } catch (e) {
      second = e;
    }
    assert.ok(isDynamoError(first) && isDynamoError(second));
    assert.notEqual(first, second);
    assert.equal(first.message, second.message);
  });
});

function path(name: string): unknown {
  return { kind: 'path', elements: [{ kind: 'name', name }] };
}
