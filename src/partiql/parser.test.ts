/**
 * @module partiql/parser.test
 * The PartiQL parser: each statement kind, values, paths, parameters, and
 * DynamoDB's envelope for syntax errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatement } from './parser.js';
import { tokenize } from './lexer.js';
import type { ConditionNode, SelectStatement, UpdateStatement } from './ast.js';
import { ExpressionWriter } from './to-expressions.js';
import { resolveValue } from './values.js';

const ENVELOPE = "Statement wasn't well formed, can't be processed: ";

function syntaxError(source: string): string {
  try {
    parseStatement(source);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`parsed: ${source}`);
}

describe('PartiQL lexer', () => {
  it('reads quoted names, escaped quotes, numbers, set brackets and positions', () => {
    const tokens = tokenize(`SELECT "a""b" FROM t\nWHERE x = 'it''s' AND n >= -1.5e3 AND s = <<'a'>>`);
    assert.deepEqual(
      tokens.map((t) => t.kind),
      ['word', 'quoted', 'word', 'word', 'word', 'word', '=', 'string', 'word', 'word', '>=', '-', 'number', 'word', 'word', '=', '<<', 'string', '>>', 'eof'],
    );
    assert.equal(tokens[1]!.text, 'a"b');
    assert.equal(tokens[7]!.text, "it's");
    assert.equal(tokens[4]!.line, 2);
    assert.equal(tokens[4]!.column, 1);
  });
});

describe('PartiQL parser', () => {
  it('parses SELECT with projections, an index, WHERE and ORDER BY', () => {
    const { statement, parameterCount } = parseStatement(
      `select a.b[2], "c d" FROM "tbl"."idx" WHERE pk = ? AND begins_with(sk, 'x') ORDER BY sk DESC`,
    );
    const select = statement as SelectStatement;
    assert.equal(select.kind, 'select');
    assert.deepEqual(select.projection?.map((p) => p.steps), [['a', 'b', 2], ['c d']]);
    assert.deepEqual(select.from, { table: 'tbl', index: 'idx' });
    assert.equal(parameterCount, 1);
    assert.deepEqual(select.orderBy.map((o) => o.descending), [true]);
    assert.equal(select.where?.kind, 'and');
    assert.ok(Object.isFrozen(select.where));
  });

  it('parses INSERT values of every kind', () => {
    const { statement } = parseStatement(
      `INSERT INTO t VALUE {'pk': 'k', 'n': -12.50, 'b': true, 'z': null, 'l': [1, 'two'], 'm': {'x': <<1, 2>>}}`,
    );
    assert.equal(statement.kind, 'insert');
    if (statement.kind !== 'insert') return;
    assert.deepEqual(resolveValue(statement.value, []), {
      M: {
        pk: { S: 'k' },
        n: { N: '-12.5' },
        b: { BOOL: true },
        z: { NULL: true },
        l: { L: [{ N: '1' }, { S: 'two' }] },
        m: { M: { x: { NS: ['1', '2'] } } },
      },
    });
  });

  it('parses UPDATE clauses and RETURNING, and DELETE', () => {
    const update = parseStatement(
      `UPDATE t SET a = a + 1, l = list_append(l, [2]) SET s = set_add(s, <<'x'>>) REMOVE old WHERE pk = 'k' RETURNING ALL NEW *`,
    ).statement as UpdateStatement;
    assert.deepEqual(update.clauses.map((c) => c.kind), ['set', 'set', 'set', 'remove']);
    assert.equal(update.returning, 'ALL NEW');
    const writer = new ExpressionWriter([]);
    assert.equal(
      writer.update(update.clauses),
      'SET #n0 = #n0 + :v0, #n1 = list_append(#n1, :v1) REMOVE #n3 ADD #n2 :v2',
    );
    const del = parseStatement(`DELETE FROM "t" WHERE pk = 'k' AND NOT a IN [1, 2]`).statement;
    assert.equal(del.kind, 'delete');
  });

  it('writes WHERE predicates as condition expressions with PartiQL semantics', () => {
    const select = parseStatement(
      `SELECT * FROM t WHERE a <> 1 AND b IS NOT MISSING AND c BETWEEN 1 AND ? AND size(d) > 2 OR attribute_type(e, 'S')`,
    ).statement as SelectStatement;
    const writer = new ExpressionWriter([{ N: '9' }]);
    assert.equal(
      writer.condition(select.where as ConditionNode),
      '((((attribute_exists(#n0) AND #n0 <> :v0) AND attribute_exists(#n1)) AND #n2 BETWEEN :v1 AND :v2) AND size(#n3) > :v3) OR attribute_type(#n4, :v4)'
        .replace(/^/, '(')
        .replace(/$/, ')'),
    );
    assert.deepEqual(writer.values[':v2'], { N: '9' });
  });

  it('parses EXISTS condition checks', () => {
    const { statement } = parseStatement(`NOT EXISTS(SELECT * FROM t WHERE pk = 'a')`);
    assert.equal(statement.kind, 'exists');
    assert.equal(statement.kind === 'exists' && statement.negated, true);
  });

  it("wraps syntax errors in DynamoDB's envelope", () => {
    assert.equal(syntaxError('SELECTT * FROMM t'), `${ENVELOPE}Expected data manipulation`);
    assert.ok(syntaxError('SELECT * FROM').startsWith(ENVELOPE));
    assert.ok(syntaxError("SELECT * FROM t WHERE a = 'open").startsWith(ENVELOPE));
    assert.ok(syntaxError('UPDATE t WHERE pk = 1').startsWith(ENVELOPE));
    assert.ok(syntaxError('SELECT * FROM t WHERE a = 1 extra').startsWith(ENVELOPE));
    assert.ok(syntaxError("INSERT INTO t VALUE {'a': }").startsWith(ENVELOPE));
    assert.equal(
      syntaxError(`INSERT INTO\n  "abcdefgh"."i" VALUE {'pk': 'a'}`),
      'FROM clause may only contain a single table name in data manipulation statements at 2:3:10',
    );
  });
});
