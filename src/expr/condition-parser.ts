/**
 * @module expr/condition-parser
 * Recursive-descent parser for DynamoDB's condition grammar, shared by
 * ConditionExpression, FilterExpression and KeyConditionExpression (DynamoDB
 * itself parses all three with one grammar and rejects what a key
 * condition may not use afterwards).
 *
 *   condition := and (OR and)*
 *   and       := not (AND not)*
 *   not       := NOT not | primary
 *   primary   := '(' condition ')' | operand comparator operand
 *              | operand BETWEEN operand AND operand
 *              | operand IN '(' operand (',' operand)* ')' | call
 *   operand   := '(' operand ')' ['.' ... | '[' n ']' ...] | path | :value | name '(' operand, ... ')'
 *
 * A '(' in condition position may open either a nested condition or a
 * parenthesised operand (`(a) = :v`, even `(b.c).d = :v`); the token after
 * the matching ')' decides, which keeps the parser free of backtracking.
 */
import type {
  CallNode,
  Comparator,
  ConditionNode,
  OperandNode,
  PathElementNode,
} from './ast.js';
import { node } from './ast.js';
import type { ExpressionName } from './expression-error.js';
import type { Token, TokenKind } from './lexer.js';
import { TokenCursor } from './token-cursor.js';

const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN']);

const COMPARATORS: ReadonlySet<TokenKind> = new Set<TokenKind>(['=', '<>', '<', '<=', '>', '>=']);

function isConditionKeyword(token: Token): boolean {
  return token.kind === 'name' && token.text.length <= 7 && KEYWORDS.has(token.text.toUpperCase());
}

export interface ParsedCondition {
  readonly root: ConditionNode;
  /** Some group was wrapped in a second, useless pair of parentheses. */
  readonly redundantParentheses: boolean;
  /** Comparators, BETWEEN, IN, AND, OR, NOT and function calls. */
  readonly operatorCount: number;
}

/** Parses condition-grammar text, throwing DynamoDB's syntax errors. */
export function parseConditionSyntax(source: string, name: ExpressionName): ParsedCondition {
  return new ConditionParser(source, name).parse();
}

class ConditionParser {
  private readonly cursor: TokenCursor;
  /** Nodes that came out of a parenthesised group, to spot `((x))`. */
  private readonly grouped = new Set<object>();
  private redundant = false;
  private operators = 0;

  constructor(source: string, name: ExpressionName) {
    this.cursor = new TokenCursor(source, name);
  }

  parse(): ParsedCondition {
    const root = this.parseOr();
    this.cursor.expectEnd();
    return { root, redundantParentheses: this.redundant, operatorCount: this.operators };
  }

  private parseOr(): ConditionNode {
    const c = this.cursor;
    c.enter();
    let left = this.parseAnd();
    while (c.isKeyword('OR')) {
      c.next();
      this.operators++;
      left = node({ kind: 'or', left, right: this.parseAnd() });
    }
    c.leave();
    return left;
  }

  private parseAnd(): ConditionNode {
    const c = this.cursor;
    let left = this.parseNot();
    while (c.isKeyword('AND')) {
      c.next();
      this.operators++;
      left = node({ kind: 'and', left, right: this.parseNot() });
    }
    return left;
  }

  private parseNot(): ConditionNode {
    const c = this.cursor;
    // Counted in a loop rather than by recursion: `NOT NOT ... a` may be long.
    let nots = 0;
    while (c.isKeyword('NOT')) {
      c.next();
      nots++;
    }
    this.operators += nots;
    let result = this.parsePrimary();
    for (let i = 0; i < nots; i++) result = node({ kind: 'not', operand: result });
    return result;
  }

  private parsePrimary(): ConditionNode {
    const c = this.cursor;
    if (c.is('(') && this.opensCondition(c.index)) {
      // Consume a run of '(' whose ')' also sit side by side in one go, so
      // `((((a<b))))` costs no recursion; two or more is redundant.
      const open = c.index;
      const close = c.closerOf(open);
      let run = 1;
      while (c.is('(', run) && c.closerOf(open + run) === close - run) run++;
      for (let i = 0; i < run; i++) c.next();
      if (run > 1) this.redundant = true;
      const inner = this.parseOr();
      if (this.grouped.has(inner)) this.redundant = true;
      for (let i = 0; i < run; i++) c.expect(')');
      this.grouped.add(inner);
      return inner;
    }
    return this.parseAtomic();
  }

  /**
   * Whether the '(' at token index `open` starts a nested condition rather
   * than a parenthesised operand: an operand group is followed by a
   * comparator, BETWEEN, IN, or more path (`.`/`[`).
   */
  private opensCondition(open: number): boolean {
    const c = this.cursor;
    const close = c.closerOf(open);
    if (close < 0) return true;
    const after = c.tokens[close + 1];
    if (after === undefined) return true;
    if (COMPARATORS.has(after.kind) || after.kind === '.' || after.kind === '[') return false;
    if (after.kind === 'name') {
      const word = after.text.toUpperCase();
      return word !== 'BETWEEN' && word !== 'IN';
    }
    return true;
  }

  private parseAtomic(): ConditionNode {
    const c = this.cursor;
    const left = this.parseOperand();
    const token = c.peek();
    if (COMPARATORS.has(token.kind)) {
      c.next();
      this.operators++;
      const right = this.parseOperand();
      return node({ kind: 'compare', op: token.kind as Comparator, left, right });
    }
    if (c.isKeyword('BETWEEN')) {
      c.next();
      this.operators++;
      const lower = this.parseOperand();
      if (!c.isKeyword('AND')) c.fail();
      c.next();
      const upper = this.parseOperand();
      return node({ kind: 'between', operand: left, lower, upper });
    }
    if (c.isKeyword('IN')) {
      c.next();
      this.operators++;
      c.expect('(');
      const list = [this.parseOperand()];
      while (c.is(',')) {
        c.next();
        list.push(this.parseOperand());
      }
      c.expect(')');
      return node({ kind: 'in', operand: left, list: Object.freeze(list) });
    }
    // Only a function call may stand alone as a condition; `a` or `:v` may not.
    if (left.kind === 'call') return node({ kind: 'function', call: left });
    return c.fail();
  }

  private parseOperand(): OperandNode {
    const c = this.cursor;
    const token = c.peek();
    if (token.kind === '(') {
      c.enter();
      c.next();
      const inner = this.parseOperand();
      c.expect(')');
      c.leave();
      if (this.grouped.has(inner)) this.redundant = true;
      // `(b.c).d`: a parenthesised path may go on with more steps.
      if (inner.kind === 'path' && (c.is('.') || c.is('['))) {
        return c.parsePathTail([...inner.elements], isConditionKeyword);
      }
      this.grouped.add(inner);
      return inner;
    }
    if (token.kind === 'valueRef') {
      c.next();
      return node({ kind: 'valueRef', ref: token.text });
    }
    if (token.kind === 'name' && !isConditionKeyword(token) && c.is('(', 1)) {
      return this.parseCall();
    }
    const first: PathElementNode = c.parsePathName(isConditionKeyword);
    return c.parsePathTail([first], isConditionKeyword);
  }

  private parseCall(): CallNode {
    const c = this.cursor;
    c.enter();
    const name = c.next().text;
    c.next();
    this.operators++;
    const args = [this.parseOperand()];
    while (c.is(',')) {
      c.next();
      args.push(this.parseOperand());
    }
    c.expect(')');
    c.leave();
    return node({ kind: 'call', name, args: Object.freeze(args) });
  }
}
