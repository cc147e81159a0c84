/**
 * Rough throughput of the expression pipeline, printed for comparison
 * between runs; nothing here asserts on time (CI machines vary), only on
 * the results being right.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AttributeValue, Item } from '../values/types.js';
import { applyUpdate } from './apply-update.js';
import { evaluateCondition } from './evaluate-condition.js';
import { ExpressionContext } from './expression-context.js';
import { clearParseCache } from './parse.js';
import { projectItem } from './project.js';

const item: Item = {
  pk: { S: 'user#123' },
  sk: { S: 'profile' },
  status: { S: 'active' },
  count: { N: '41' },
  tags: { SS: ['a', 'b', 'c'] },
  profile: { M: { name: { S: 'Ada' }, emails: { L: [{ S: 'ada@example.com' }] } } },
};

const names = { '#s': 'status', '#c': 'count', '#n': 'name' };
const values: Record<string, AttributeValue> = {
  ':active': { S: 'active' },
  ':n': { N: '2' },
  ':one': { N: '1' },
  ':zero': { N: '0' },
  ':prefix': { S: 'ada' },
};

const FILTER = '#s = :active AND size(tags) > :n AND begins_with(profile.emails[0], :prefix)';
const UPDATE = 'SET #c = if_not_exists(#c, :zero) + :one, profile.#n = :active REMOVE sk';

/** Runs `fn` for about `ms` milliseconds after a warm-up; returns operations per second. */
function rate(fn: () => void, ms = 100): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    elapsed = performance.now() - start;
  }
  return Math.round((n / elapsed) * 1000);
}

describe('expression pipeline throughput (printed, not asserted)', () => {
  it('parses, resolves and evaluates representative expressions', () => {
    const results: Record<string, number> = {};

    results['parse+resolve filter, uncached'] = rate(() => {
      clearParseCache();
      new ExpressionContext(names, values).condition(FILTER, 'FilterExpression');
    });

    const ctx = new ExpressionContext(names, values);
    let matched = 0;
    results['parse(cached)+resolve+evaluate filter'] = rate(() => {
      const condition = new ExpressionContext(names, values).condition(FILTER, 'FilterExpression');
      if (evaluateCondition(condition, item)) matched++;
    });
    assert.ok(matched > 0);

    const filter = ctx.condition(FILTER, 'FilterExpression');
    let hits = 0;
    results['evaluate resolved filter (scan inner loop)'] = rate(() => {
      if (evaluateCondition(filter, item)) hits++;
    });
    assert.ok(hits > 0);

    const update = new ExpressionContext(names, values).update(UPDATE);
    let last: Item = item;
    results['apply resolved update'] = rate(() => {
      last = applyUpdate(update, item).item;
    });
    assert.deepEqual(last.count, { N: '42' });
    assert.equal(last.sk, undefined);

    const paths = new ExpressionContext().projection('pk, profile.emails[0], tags');
    results['project three paths'] = rate(() => {
      last = projectItem(item, paths);
    });
    assert.deepEqual(Object.keys(last), ['pk', 'profile', 'tags']);

    for (const [name, perSecond] of Object.entries(results)) {
      console.log(`${name.padEnd(45)} ${perSecond.toLocaleString('en-US').padStart(12)} ops/s`);
    }
  });
});
