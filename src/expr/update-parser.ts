/**
 * @module expr/update-parser
 * Recursive-descent parser for UpdateExpression:
 *
 *   update  := clause+                       (each keyword at most once, any order)
 *   clause  := SET set (',' set)* | REMOVE path (',' path)*
 *            | ADD path :value (',' ...)* | DELETE path :value (',' ...)*
 *   set     := path '=' ( '(' value ')' | value )
 *   value   := operand [ ('+' | '-') operand ]     (exactly one + or -)
 *   operand := '(' term ')' | term
 *   term    := :value | path | name '(' operand (',' operand)* ')'
 *
 * Learned from DynamoDB: `a + b + c` and `f(a + b)` are syntax errors,
 * `f(a) + b` is not; paths here cannot be parenthesised.
 */
import type {
  CallNode,
  OperandNode,
  PathNode,
  SetValueNode,
  UpdateActionNode,
  ValueRefNode,
} from './ast.js';
import { node } from './ast.js';
import type { Token } from './lexer.js';
import { TokenCursor } from './token-cursor.js';

export type UpdateSection = 'SET' | 'REMOVE' | 'ADD' | 'DELETE';

const SECTIONS: ReadonlySet<string> = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);

function isUpdateKeyword(token: Token): boolean {
  return token.kind === 'name' && token.text.length <= 6 && SECTIONS.has(token.text.toUpperCase());
}

export interface ParsedUpdate {
  readonly actions: readonly UpdateActionNode[];
  /** The first section keyword that appeared a second time, if any. */
  readonly repeatedSection: UpdateSection | undefined;
  /** `+`, `-` and function calls. */
  readonly operatorCount: number;
}

/** Parses UpdateExpression text, throwing DynamoDB's syntax errors. */
export function parseUpdateSyntax(source: string): ParsedUpdate {
  return new UpdateParser(source).parse();
}

class UpdateParser {
  private readonly cursor: TokenCursor;
  private operators = 0;

  constructor(source: string) {
    this.cursor = new TokenCursor(source, 'UpdateExpression');
  }

  parse(): ParsedUpdate {
    const c = this.cursor;
    const actions: UpdateActionNode[] = [];
    const seen = new Set<UpdateSection>();
    let repeatedSection: UpdateSection | undefined;
    do {
      const keyword = c.peek();
      if (!isUpdateKeyword(keyword)) c.fail();
      c.next();
      const section = keyword.text.toUpperCase() as UpdateSection;
      if (seen.has(section)) repeatedSection ??= section;
      seen.add(section);
      actions.push(this.parseAction(section));
      while (c.is(',')) {
        c.next();
        actions.push(this.parseAction(section));
      }
    } while (!c.is('eof'));
    return { actions: Object.freeze(actions), repeatedSection, operatorCount: this.operators };
  }

  private parseAction(section: UpdateSection): UpdateActionNode {
    const c = this.cursor;
    const path = this.parsePath();
    switch (section) {
      case 'SET': {
        c.expect('=');
        return node({ kind: 'set', path, value: this.parseSetValue() });
      }
      case 'REMOVE':
        return node({ kind: 'remove', path });
      case 'ADD':
        return node({ kind: 'add', path, value: this.parseValueRef() });
      case 'DELETE':
        return node({ kind: 'delete', path, value: this.parseValueRef() });
    }
  }

  private parsePath(): PathNode {
    const c = this.cursor;
    const first = c.parsePathName(isUpdateKeyword);
    return c.parsePathTail([first], isUpdateKeyword);
  }

  private parseValueRef(): ValueRefNode {
    const token = this.cursor.expect('valueRef');
    return node({ kind: 'valueRef', ref: token.text });
  }

  private parseSetValue(): SetValueNode {
    const c = this.cursor;
    // `SET a = (b + c)`: a '(' whose group is not followed by + or - wraps
    // the whole value; otherwise it only wraps the first operand.
    if (c.is('(')) {
      const close = c.closerOf(c.index);
      const after = close < 0 ? undefined : c.tokens[close + 1];
      if (after !== undefined && after.kind !== '+' && after.kind !== '-') {
        c.next();
        const value = this.parseArithmetic();
        c.expect(')');
        return value;
      }
    }
    return this.parseArithmetic();
  }

  private parseArithmetic(): SetValueNode {
    const c = this.cursor;
    const left = this.parseOperand();
    const op = c.peek().kind;
    if (op !== '+' && op !== '-') return left;
    c.next();
    this.operators++;
    const right = this.parseOperand();
    return node({ kind: 'arithmetic', op, left, right });
  }

  private parseOperand(): OperandNode {
    const c = this.cursor;
    if (c.is('(')) {
      c.next();
      const inner = this.parseTerm();
      c.expect(')');
      return inner;
    }
    return this.parseTerm();
  }

  private parseTerm(): OperandNode {
    const c = this.cursor;
    const token = c.peek();
    if (token.kind === 'valueRef') {
      c.next();
      return node({ kind: 'valueRef', ref: token.text });
    }
    if (token.kind === 'name' && !isUpdateKeyword(token) && c.is('(', 1)) return this.parseCall();
    return this.parsePath();
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
