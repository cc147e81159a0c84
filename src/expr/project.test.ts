import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Item } from '../values/types.js';
import { ExpressionContext } from './expression-context.js';
import { projectItem } from './project.js';

// The item of Alternator's test_projection_expression_path (DynamoDB-verified).
const item: Item = {
  p: { S: 'k' },
  a: {
    M: {
      b: { L: [{ N: '2' }, { N: '4' }, { M: { x: { S: 'hi' }, y: { S: 'yo' } } }] },
      c: { N: '5' },
    },
  },
  b: { S: 'hello' },
};

const project = (text: string): Item => projectItem(item, new ExpressionContext().projection(text));

describe('projectItem', () => {
  it('keeps whole top-level attributes', () => {
    assert.deepEqual(project('a'), { a: item.a });
    assert.deepEqual(project('b, p'), { b: { S: 'hello' }, p: { S: 'k' } });
  });

  it('keeps nested values inside their parents', () => {
    assert.deepEqual(project('a.b'), { a: { M: { b: (item.a as { M: Item }).M.b } } });
    assert.deepEqual(project('a.b[0]'), { a: { M: { b: { L: [{ N: '2' }] } } } });
    assert.deepEqual(project('a.b[2]'), { a: { M: { b: { L: [{ M: { x: { S: 'hi' }, y: { S: 'yo' } } }] } } } });
    assert.deepEqual(project('a.b[2].y'), { a: { M: { b: { L: [{ M: { y: { S: 'yo' } } }] } } } });
  });

  it('skips paths that do not exist or meet the wrong type', () => {
    for (const text of ['x', 'a.b[3]', 'a.x', 'a.x.y', 'a.b[3].x', 'a.b.x', 'a[0]', 'a.b[0].x', 'a.b[0][0]']) {
      assert.deepEqual(project(text), {}, text);
    }
  });

  it('merges several paths, packing list elements in index order', () => {
    assert.deepEqual(project('a.b[0],a.b[1]'), { a: { M: { b: { L: [{ N: '2' }, { N: '4' }] } } } });
    assert.deepEqual(project('a.b[1],a.b[0]'), { a: { M: { b: { L: [{ N: '2' }, { N: '4' }] } } } });
    assert.deepEqual(project('a.b[0],a.c'), { a: { M: { b: { L: [{ N: '2' }] }, c: { N: '5' } } } });
    assert.deepEqual(project('a.c,b'), { a: { M: { c: { N: '5' } } }, b: { S: 'hello' } });
    assert.deepEqual(project('a.x, a.b[0], x, a.b[3].x'), { a: { M: { b: { L: [{ N: '2' }] } } } });
    assert.deepEqual(project('a.b[2].x, a.b[2].y'), {
      a: { M: { b: { L: [{ M: { x: { S: 'hi' }, y: { S: 'yo' } } }] } } },
    });
  });

  it('treats a dot inside a #name as part of the name', () => {
    const dotted: Item = { 'a.b': { S: 'hi' }, a: { M: { b: { S: 'yo' } } } };
    assert.deepEqual(projectItem(dotted, new ExpressionContext().projection('a.b')), { a: { M: { b: { S: 'yo' } } } });
    assert.deepEqual(projectItem(dotted, new ExpressionContext({ '#n': 'a.b' }).projection('#n')), { 'a.b': { S: 'hi' } });
  });

  it('returns the stored value objects without copying them', () => {
    assert.equal(project('a').a, item.a);
  });
});
