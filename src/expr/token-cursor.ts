/**
 * @module expr/token-cursor
 * The token stream the hand-written parsers walk, with the pieces they
 * share: DynamoDB's syntax-error message, parenthesis matching for
 * one-token-lookahead decisions, document-path parsing and the limits
 * that keep recursion bounded.
 */
import type { IndexElement, PathElementNode, PathNode } from './ast.js';
import { node } from './ast.js';
import { invalidExpression, messages } from './expression-error.js';
import type { ExpressionName } from './expression-error.js';
import { tokenize } from './lexer.js';
import type { Token, TokenKind } from './lexer.js';

/** DynamoDB's documented limit on document path depth (Limits: "Nested attribute depth"). */
export const MAX_PATH_DEPTH = 32;

/** The largest list index DynamoDB accepts (a Java int). */
const MAX_LIST_INDEX = 2147483647;

/**
 * A 4 KB expression could still nest a few thousand levels; the parsers
 * recurse per level, so past this depth the input is reported as a syntax
 * error instead of risking the stack. Real expressions never come close.
 */
export const MAX_PARSE_DEPTH = 1000;

export class TokenCursor {
  readonly tokens: readonly Token[];
  private position = 0;
  private depth = 0;
  /** Index of the matching `)` for each `(` (or -1), built on first use. */
  private closers: Int32Array | undefined;

  constructor(
    readonly source: string,
    readonly expressionName: ExpressionName,
  ) {
    this.tokens = tokenize(source);
  }

  get index(): number {
    return this.position;
  }

  peek(offset = 0): Token {
    const i = Math.min(this.position + offset, this.tokens.length - 1);
    return this.tokens[i] as Token;
  }

  is(kind: TokenKind, offset = 0): boolean {
    return this.peek(offset).kind === kind;
  }

  /** True when the current token is the bare word `keyword`, in any letter case. */
  isKeyword(keyword: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'name' && token.text.length === keyword.length && token.text.toUpperCase() === keyword;
  }

  next(): Token {
    const token = this.peek();
    if (this.position < this.tokens.length - 1) this.position++;
    return token;
  }

  expect(kind: TokenKind): Token {
    if (!this.is(kind)) this.fail();
    return this.next();
  }

  /**
   * Throws DynamoDB's syntax error for the current token. DynamoDB quotes
   * the source from the previous token to the next one, e.g. `a-b` for the
   * `-` in `a-b`, or `SET` for the end of input after `SET`.
   */
  fail(at: number = this.position): never {
    const i = Math.min(at, this.tokens.length - 1);
    const token = this.tokens[i] as Token;
    const previous = i > 0 ? (this.tokens[i - 1] as Token) : token;
    const following = i + 1 < this.tokens.length ? (this.tokens[i + 1] as Token) : token;
    const near = this.source.slice(previous.start, following.end);
    throw invalidExpression(this.expressionName, messages.syntax(token.text, near));
  }

  /** Index of the `)` matching the `(` at token index `open`, or -1. */
  closerOf(open: number): number {
    if (this.closers === undefined) {
      const closers = new Int32Array(this.tokens.length).fill(-1);
      const stack: number[] = [];
      for (let i = 0; i < this.tokens.length; i++) {
        const kind = (this.tokens[i] as Token).kind;
        if (kind === '(') stack.push(i);
        else if (kind === ')' && stack.length > 0) closers[stack.pop() as number] = i;
      }
      this.closers = closers;
    }
    return this.closers[open] ?? -1;
  }

  /** Enters one level of recursion, failing past MAX_PARSE_DEPTH. */
  enter(): void {
    if (++this.depth > MAX_PARSE_DEPTH) this.fail();
  }

  leave(): void {
    this.depth--;
  }

  /**
   * Parses the steps after a path's first element: `.name`, `.#ref` and
   * `[n]`, appending to `elements`. `isKeyword` rejects the grammar's
   * keywords as names, as DynamoDB's grammars do.
   */
  parsePathTail(elements: PathElementNode[], isKeyword: (token: Token) => boolean): PathNode {
    for (;;) {
      if (this.is('.')) {
        this.next();
        elements.push(this.parsePathName(isKeyword));
      } else if (this.is('[')) {
        this.next();
        elements.push(this.parseIndex());
        this.expect(']');
      } else {
        break;
      }
    }
    if (elements.length > MAX_PATH_DEPTH) {
      throw invalidExpression(this.expressionName, messages.nestingLevels(elements.length));
    }
    return node({ kind: 'path', elements: Object.freeze(elements) });
  }

  /** A name or `#name` that is one step of a path. */
  parsePathName(isKeyword: (token: Token) => boolean): PathElementNode {
    const token = this.peek();
    if (token.kind === 'nameRef') {
      this.next();
      return node({ kind: 'nameRef', ref: token.text });
    }
    if (token.kind === 'name' && !isKeyword(token)) {
      this.next();
      return node({ kind: 'name', name: token.text });
    }
    this.fail();
  }

  private parseIndex(): IndexElement {
    const token = this.peek();
    if (token.kind !== 'number') this.fail();
    this.next();
    const index = Number(token.text);
    if (index > MAX_LIST_INDEX) {
      throw invalidExpression(this.expressionName, messages.listIndex(token.text));
    }
    return node({ kind: 'index', index });
  }

  /** Fails unless every token has been consumed. */
  expectEnd(): void {
    if (!this.is('eof')) this.fail();
  }
}
