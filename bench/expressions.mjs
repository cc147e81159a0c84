#!/usr/bin/env node
/**
 * @module bench/expressions
 * How fast the expression pipeline (dist/src/expr) is, per representative
 * expression: a cold parse (cache cleared each time), a request's worth of
 * work with the parse cache warm (resolve #names/:values + unused check),
 * and evaluation against an item (condition, update or projection). Also
 * checks that the parse cache works: a repeated text returns the very same
 * frozen AST, so repeated requests do not re-parse.
 *
 *   npm run build && node bench/expressions.mjs [--ms 300]
 */
import {
  ExpressionContext,
  applyUpdate,
  clearParseCache,
  evaluateCondition,
  parseCondition,
  parseProjection,
  parseUpdate,
  projectItem,
} from '../dist/src/expr/index.js';

const args = process.argv.slice(2);
const msIndex = args.indexOf('--ms');
const CELL_MS = msIndex >= 0 ? Number(args[msIndex + 1]) : 300;

const item = {
  pk: { S: 'user#42' },
  sk: { S: 'profile#2024' },
  status: { S: 'active' },
  n: { N: '17' },
  tags: { SS: ['a', 'b', 'c'] },
  list: { L: [{ N: '1' }, { N: '2' }, { N: '3' }] },
  a: { M: { b: { L: [{ S: 'x' }, { S: 'y' }, { M: { c: { L: [{ S: 'z' }] } } }] } } },
  obsolete: { BOOL: true },
};
const key = { pk: item.pk, sk: item.sk };

/** kind, text, names, values */
const cases = [
  ['condition', 'attribute_not_exists(pk)', undefined, undefined],
  ['condition', '#s = :active AND #n > :min', { '#s': 'status', '#n': 'n' }, { ':active': { S: 'active' }, ':min': { N: '10' } }],
  ['condition', 'begins_with(sk, :p) OR contains(tags, :t)', undefined, { ':p': { S: 'profile#' }, ':t': { S: 'b' } }],
  [
    'condition',
    'size(#l) BETWEEN :lo AND :hi AND NOT (#s IN (:x, :y, :z))',
    { '#l': 'list', '#s': 'status' },
    { ':lo': { N: '1' }, ':hi': { N: '5' }, ':x': { S: 'gone' }, ':y': { S: 'banned' }, ':z': { S: 'new' } },
  ],
  ['update', 'ADD #c :one', { '#c': 'n' }, { ':one': { N: '1' } }],
  [
    'update',
    'SET #n = #n + :one, updatedAt = :now REMOVE obsolete',
    { '#n': 'n' },
    { ':one': { N: '1' }, ':now': { S: '2026-11-22T03:14:15Z' } },
  ],
  [
    'update',
    'SET a.b[2].c = list_append(if_not_exists(a.b[2].c, :empty), :l)',
    undefined,
    { ':empty': { L: [] }, ':l': { L: [{ S: 'w' }] } },
  ],
  ['projection', 'pk, sk, #n, a.b[0], tags', { '#n': 'n' }, undefined],
];

function parse(kind, text) {
  if (kind === 'condition') return parseCondition(text, 'ConditionExpression');
  if (kind === 'update') return parseUpdate(text);
  return parseProjection(text);
}

function resolve(kind, text, names, values) {
  const context = new ExpressionContext(names, values);
  const resolved =
    kind === 'condition' ? context.condition(text) : kind === 'update' ? context.update(text) : context.projection(text);
  context.assertAllUsed();
  return resolved;
}

function evaluate(kind, resolved) {
  if (kind === 'condition') return evaluateCondition(resolved, item);
  if (kind === 'update') return applyUpdate(resolved, item, { key });
  return projectItem(item, resolved);
}

/** Operations per second of `fn`, run in batches for about CELL_MS. */
function rate(fn) {
  for (let i = 0; i < 2000; i++) fn(); // warm-up (JIT)
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(CELL_MS) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 500; i++) fn();
    n += 500;
    now = process.hrtime.bigint();
  }
  return n / (Number(now - start) / 1e9);
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const rows = [];
let cacheHolds = true;
for (const [kind, text, names, values] of cases) {
  clearParseCache();
  const first = parse(kind, text);
  cacheHolds &&= parse(kind, text) === first && Object.isFrozen(first);
  const resolved = resolve(kind, text, names, values);
  rows.push([
    kind,
    text,
    fmt(rate(() => {
      clearParseCache();
      parse(kind, text);
    })),
    fmt(rate(() => resolve(kind, text, names, values))),
    fmt(rate(() => evaluate(kind, resolved))),
    fmt(rate(() => evaluate(kind, resolve(kind, text, names, values)))),
  ]);
}

const header = ['kind', 'expression', 'cold parse/s', 'request (cached)/s', 'evaluate/s', 'request + evaluate/s'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(`# expression pipeline (Node ${process.version}, ${CELL_MS} ms per cell, one core)\n`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of rows) console.log(line(row));
console.log(
  `\nparse cache: ${cacheHolds ? 'yes — a repeated expression text returns the same frozen AST, so a repeated request only resolves placeholders' : 'NO — repeated texts were parsed again'}`,
);
if (!cacheHolds) process.exitCode = 1;
