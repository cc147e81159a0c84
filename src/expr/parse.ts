/**
 * @module expr/parse
 * Stage one of the pipeline: expression text → frozen AST, plus every
 * check DynamoDB makes on the text alone (before it looks at
 * ExpressionAttributeNames/Values), in DynamoDB's order. Results — and
 * failures — are cached by expression kind and text, so a repeated
 * request neither re-lexes nor re-parses.
 *
 * Order of errors (learned from dynalite's DynamoDB-verified tests):
 * empty → size → syntax → operator count → then, for conditions:
 * redundant parentheses, unknown function, misused function, reserved
 * word; for updates: reserved word, unknown function, misused function,
 * repeated section; for projections: reserved word.
 */
import { errors, isDynamoError } from '../errors/index.js';
import type {
  CallNode,
  ConditionNode,
  OperandNode,
  PathNode,
  ProjectionNode,
  SetValueNode,
  UpdateNode,
} from './ast.js';
import { node } from './ast.js';
import { parseConditionSyntax } from './condition-parser.js';
import { invalidExpression, messages } from './expression-error.js';
import type { ExpressionName } from './expression-error.js';
import { isConditionFunction, isUpdateFunction } from './functions.js';
import { LruCache } from './lru-cache.js';
import { parseProjectionSyntax } from './projection-parser.js';
import { isReservedWord } from './reserved-words.js';
import { parseUpdateSyntax } from './update-parser.js';

/** DynamoDB's limit on an expression's length, in UTF-8 bytes (Limits: 4 KB). */
export const MAX_EXPRESSION_BYTES = 4096;

/** DynamoDB's limit on operators and functions in one expression. */
export const MAX_OPERATORS = 300;

export type ConditionExpressionName = 'ConditionExpression' | 'FilterExpression' | 'KeyConditionExpression' | 'SearchConditionExpression';

type Parsed = ConditionNode | UpdateNode | ProjectionNode;

/** A parse outcome: the AST, or the message of the error to throw again. */
type CacheEntry = { readonly ast: Parsed } | { readonly error: string };

/**
 * Keys are at most 4 KB of text (longer texts are refused before the
 * cache), so five kinds of 500 entries bound the caches to ~10 MB.
 */
const caches = new Map<ExpressionName, LruCache<string, CacheEntry>>();

function cacheFor(name: ExpressionName): LruCache<string, CacheEntry> {
  let cache = caches.get(name);
  if (cache === undefined) caches.set(name, (cache = new LruCache<string, CacheEntry>(500)));
  return cache;
}

/** Forgets every cached parse (for tests and benchmarks). */
export function clearParseCache(): void {
  caches.clear();
}

function cached<T extends Parsed>(name: ExpressionName, text: string, parse: () => T): T {
  if (text === '') throw invalidExpression(name, messages.empty);
  // A UTF-16 unit is at least one UTF-8 byte: this is over the limit for sure.
  if (text.length > MAX_EXPRESSION_BYTES) {
    throw invalidExpression(name, messages.tooLong(Buffer.byteLength(text, 'utf8')));
  }
  // One cache per expression kind, keyed by the text itself: no key to build.
  const cache = cacheFor(name);
  const key = text;
  const hit = cache.get(key);
  if (hit !== undefined) {
    if ('error' in hit) throw errors.validation(hit.error);
    return hit.ast as T;
  }
  try {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > MAX_EXPRESSION_BYTES) throw invalidExpression(name, messages.tooLong(size));
    const ast = parse();
    cache.set(key, { ast });
    return ast;
  } catch (e) {
    if (isDynamoError(e)) cache.set(key, { error: e.message });
    throw e;
  }
}

/**
 * DynamoDB stops counting at the first operator over the limit, so its
 * message always says 301 (Alternator's test_limits.py, verified on DynamoDB).
 */
function checkOperatorCount(name: ExpressionName, count: number): void {
  if (count > MAX_OPERATORS) throw invalidExpression(name, messages.tooManyOperators(MAX_OPERATORS + 1));
}

/** Parses and statically checks a condition-grammar expression. */
export function parseCondition(text: string, name: ConditionExpressionName): ConditionNode {
  return cached(name, text, () => {
    const parsed = parseConditionSyntax(text, name);
    checkOperatorCount(name, parsed.operatorCount);
    if (parsed.redundantParentheses) throw invalidExpression(name, messages.redundantParentheses);
    const calls = new ConditionCallCheck();
    calls.condition(parsed.root);
    if (calls.unknown !== undefined) throw invalidExpression(name, messages.unknownFunction(calls.unknown));
    if (calls.misused !== undefined) throw invalidExpression(name, messages.misusedFunction(calls.misused));
    const reserved = firstReservedInCondition(parsed.root);
    if (reserved !== undefined) throw invalidExpression(name, messages.reserved(reserved));
    return parsed.root;
  });
}

/** Parses and statically checks an UpdateExpression. */
export function parseUpdate(text: string): UpdateNode {
  return cached('UpdateExpression', text, () => {
    const parsed = parseUpdateSyntax(text);
    checkOperatorCount('UpdateExpression', parsed.operatorCount);
    const reserved = new ReservedSearch();
    for (const action of parsed.actions) {
      reserved.path(action.path);
      if (action.kind === 'set') reserved.setValue(action.value);
    }
    if (reserved.found !== undefined) throw invalidExpression('UpdateExpression', messages.reserved(reserved.found));
    const calls = new UpdateCallCheck();
    for (const action of parsed.actions) if (action.kind === 'set') calls.setValue(action.value);
    if (calls.unknown !== undefined) {
      throw invalidExpression('UpdateExpression', messages.unknownFunction(calls.unknown));
    }
    if (calls.misused !== undefined) {
      throw invalidExpression('UpdateExpression', messages.misusedFunction(calls.misused));
    }
    if (parsed.repeatedSection !== undefined) {
      throw invalidExpression('UpdateExpression', messages.sectionTwice(parsed.repeatedSection));
    }
    return node({ kind: 'update', actions: parsed.actions });
  });
}

/** Parses and statically checks a ProjectionExpression. */
export function parseProjection(text: string): ProjectionNode {
  return cached('ProjectionExpression', text, () => {
    const paths = parseProjectionSyntax(text);
    const reserved = new ReservedSearch();
    for (const path of paths) reserved.path(path);
    if (reserved.found !== undefined) {
      throw invalidExpression('ProjectionExpression', messages.reserved(reserved.found));
    }
    return node({ kind: 'projection', paths });
  });
}

/** Finds the first bare path name that is a reserved word, in text order. */
class ReservedSearch {
  found: string | undefined;

  path(path: PathNode): void {
    if (this.found !== undefined) return;
    for (const element of path.elements) {
      if (element.kind === 'name' && isReservedWord(element.name)) {
        this.found = element.name;
        return;
      }
    }
  }

  operand(operand: OperandNode): void {
    switch (operand.kind) {
      case 'path':
        this.path(operand);
        return;
      case 'valueRef':
        return;
      case 'call':
        for (const arg of operand.args) this.operand(arg);
        return;
    }
  }

  setValue(value: SetValueNode): void {
    if (value.kind === 'arithmetic') {
      this.operand(value.left);
      this.operand(value.right);
    } else {
      this.operand(value);
    }
  }
}

function firstReservedInCondition(root: ConditionNode): string | undefined {
  const search = new ReservedSearch();
  const visit = (condition: ConditionNode): void => {
    switch (condition.kind) {
      case 'and':
      case 'or':
        visit(condition.left);
        visit(condition.right);
        return;
      case 'not':
        visit(condition.operand);
        return;
      case 'compare':
        search.operand(condition.left);
        search.operand(condition.right);
        return;
      case 'between':
        search.operand(condition.operand);
        search.operand(condition.lower);
        search.operand(condition.upper);
        return;
      case 'in':
        search.operand(condition.operand);
        for (const item of condition.list) search.operand(item);
        return;
      case 'function':
        search.operand(condition.call);
        return;
    }
  };
  visit(root);
  return search.found;
}

/**
 * Finds the first unknown and the first misused function of a condition.
 * Both are found children-first, the order in which DynamoDB's parser
 * completes (and so checks) nested calls. Only `size` may be an operand
 * or argument; only the boolean functions may stand as a condition; the
 * update functions may not appear at all.
 */
class ConditionCallCheck {
  unknown: string | undefined;
  misused: string | undefined;

  condition(condition: ConditionNode): void {
    switch (condition.kind) {
      case 'and':
      case 'or':
        this.condition(condition.left);
        this.condition(condition.right);
        return;
      case 'not':
        this.condition(condition.operand);
        return;
      case 'compare':
        this.operands([condition.left, condition.right]);
        return;
      case 'between':
        this.operands([condition.operand, condition.lower, condition.upper]);
        return;
      case 'in':
        this.operands([condition.operand, ...condition.list]);
        return;
      case 'function':
        this.call(condition.call);
        if (condition.call.name === 'size' || isUpdateFunction(condition.call.name)) {
          this.misuse(condition.call.name);
        }
        return;
    }
  }

  private operands(operands: readonly OperandNode[]): void {
    for (const operand of operands) if (operand.kind === 'call') this.call(operand);
    for (const operand of operands) {
      if (operand.kind === 'call' && operand.name !== 'size') this.misuse(operand.name);
    }
  }

  private call(call: CallNode): void {
    this.operands(call.args);
    if (!isConditionFunction(call.name) && !isUpdateFunction(call.name)) this.unknown ??= call.name;
  }

  private misuse(name: string): void {
    this.misused ??= name;
  }
}

/**
 * The update-side counterpart: only `if_not_exists` and `list_append`
 * exist in SET values; condition functions are misused there, and
 * DynamoDB refuses `list_append` nested inside another call.
 */
class UpdateCallCheck {
  unknown: string | undefined;
  misused: string | undefined;

  setValue(value: SetValueNode): void {
    if (value.kind === 'arithmetic') {
      this.operand(value.left, false);
      this.operand(value.right, false);
    } else {
      this.operand(value, false);
    }
  }

  private operand(operand: OperandNode, nested: boolean): void {
    if (operand.kind !== 'call') return;
    for (const arg of operand.args) this.operand(arg, true);
    const name = operand.name;
    if (isUpdateFunction(name)) {
      if (nested && name === 'list_append') this.misused ??= name;
    } else if (isConditionFunction(name)) {
      this.misused ??= name;
    } else {
      this.unknown ??= name;
    }
  }
}
