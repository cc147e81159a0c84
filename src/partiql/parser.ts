/**
 * @module partiql/parser
 * A recursive-descent parser for the PartiQL subset DynamoDB accepts
 * (developer guide, "PartiQL select/insert/update/delete statements"):
 *
 *   SELECT * | path, ... FROM table[."index"] [WHERE cond] [ORDER BY path [ASC|DESC], ...]
 *   INSERT INTO table VALUE {'name': value, ...}
 *   UPDATE table (SET path = value, ... | REMOVE path, ...)+ [WHERE cond] [RETURNING ...]
 *   DELETE FROM table [WHERE cond] [RETURNING ALL OLD *]
 *   [NOT] EXISTS(SELECT ...)              (a condition check in ExecuteTransaction)
 *
 * Keywords are case-insensitive; identifiers are case-sensitive and may be
 * "double-quoted". Values: 'strings', numbers, TRUE/FALSE, NULL, {maps},
 * [lists], <<sets>> and `?` parameters. The result is frozen.
 */
import { normalizeNumber, numberMessage } from '../values/index.js';
import type {
  Comparator,
  ConditionNode,
  OperandNode,
  ParsedStatement,
  PathNode,
  PathStep,
  PredicateFunction,
  Returning,
  SelectStatement,
  SetValueNode,
  Statement,
  TableRef,
  UpdateClause,
  ValueNode,
} from './ast.js';
import { tokenize } from './lexer.js';
import type { Token, TokenKind } from './lexer.js';
import { partiqlSyntaxError } from './partiql-error.js';
import { errors } from '../errors/index.js';

/**
 * Words that structure a statement and so cannot stand unquoted for an
 * attribute name (PartiQL reserves many more; these are the ones this
 * grammar reads).
 */
const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'IS', 'INSERT', 'INTO', 'VALUE', 'VALUES',
  'UPDATE', 'SET', 'REMOVE', 'DELETE', 'RETURNING', 'ORDER', 'BY', 'ASC', 'DESC', 'EXISTS', 'NULL', 'MISSING',
  'TRUE', 'FALSE',
]);

const PREDICATE_FUNCTIONS: readonly PredicateFunction[] = [
  'begins_with',
  'contains',
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
];

/** Statements nest through parentheses and literals; bound the recursion. */
const MAX_DEPTH = 64;

/** Parses one statement. Throws DynamoDB's ValidationException for malformed text. */
export function parseStatement(source: string): ParsedStatement {
  const parser = new Parser(tokenize(source));
  const statement = parser.statement();
  return deepFreeze({ statement, parameterCount: parser.parameterCount });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

class Parser {
  private position = 0;
  private depth = 0;
  parameterCount = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.position++;
    return token;
  }

  private at(kind: TokenKind, offset = 0): boolean {
    return this.peek(offset).kind === kind;
  }

  private atKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }

  private accept(kind: TokenKind): boolean {
    if (!this.at(kind)) return false;
    this.next();
    return true;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.atKeyword(word)) return false;
    this.next();
    return true;
  }

  private expect(kind: TokenKind): Token {
    if (!this.at(kind)) this.unexpected();
    return this.next();
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.unexpected(`Expected ${word}`);
  }

  /** A syntax error at the current token. */
  private unexpected(detail?: string): never {
    const token = this.peek();
    if (detail !== undefined) throw partiqlSyntaxError(detail);
    if (token.kind === 'eof') throw partiqlSyntaxError('Unexpected end of statement');
    if (token.kind === 'word' && RESERVED.has(token.text.toUpperCase())) throw partiqlSyntaxError('Unexpected keyword');
    throw partiqlSyntaxError('Unexpected token');
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw partiqlSyntaxError('Statement is nested too deeply');
  }

  private leave(): void {
    this.depth--;
  }

  statement(): Statement {
    let statement: Statement;
    if (this.atKeyword('SELECT')) statement = this.select();
    else if (this.atKeyword('INSERT')) statement = this.insert();
    else if (this.atKeyword('UPDATE')) statement = this.update();
    else if (this.atKeyword('DELETE')) statement = this.delete();
    else if (this.atKeyword('EXISTS') || (this.atKeyword('NOT') && this.atKeyword('EXISTS', 1))) statement = this.exists();
    else throw partiqlSyntaxError('Expected data manipulation');
    this.accept(';');
    if (!this.at('eof')) this.unexpected();
    return statement;
  }

  private select(): SelectStatement {
    this.expectKeyword('SELECT');
    let projection: PathNode[] | undefined;
    if (this.accept('*')) {
      projection = undefined;
    } else {
      projection = [this.path()];
      while (this.accept(',')) projection.push(this.path());
    }
    this.expectKeyword('FROM');
    const from = this.tableRef(true);
    const where = this.acceptKeyword('WHERE') ? this.condition() : undefined;
    const orderBy: { path: PathNode; descending: boolean }[] = [];
    if (this.acceptKeyword('ORDER')) {
      this.expectKeyword('BY');
      do {
        const path = this.path();
        let descending = false;
        if (this.acceptKeyword('DESC')) descending = true;
        else this.acceptKeyword('ASC');
        orderBy.push({ path, descending });
      } while (this.accept(','));
    }
    return { kind: 'select', projection, from, where, orderBy };
  }

  private insert(): Statement {
    this.expectKeyword('INSERT');
    this.expectKeyword('INTO');
    const from = this.tableRef(false);
    if (!this.acceptKeyword('VALUE')) this.unexpected(this.atKeyword('VALUES') ? 'Unexpected keyword' : 'Expected VALUE');
    const value = this.value();
    return { kind: 'insert', from, value };
  }

  private update(): Statement {
    this.expectKeyword('UPDATE');
    const from = this.tableRef(true);
    const clauses: UpdateClause[] = [];
    for (;;) {
      if (this.acceptKeyword('SET')) {
        do {
          const path = this.path();
          this.expect('=');
          clauses.push({ kind: 'set', path, value: this.setValue() });
        } while (this.accept(','));
      } else if (this.acceptKeyword('REMOVE')) {
        do clauses.push({ kind: 'remove', path: this.path() });
        while (this.accept(','));
      } else {
        break;
      }
    }
    if (clauses.length === 0) this.unexpected();
    const where = this.acceptKeyword('WHERE') ? this.condition() : undefined;
    const returning = this.returning();
    return { kind: 'update', from, clauses, where, returning };
  }

  private delete(): Statement {
    this.expectKeyword('DELETE');
    this.expectKeyword('FROM');
    const from = this.tableRef(true);
    const where = this.acceptKeyword('WHERE') ? this.condition() : undefined;
    const returning = this.returning();
    return { kind: 'delete', from, where, returning };
  }

  private exists(): Statement {
    const negated = this.acceptKeyword('NOT');
    this.expectKeyword('EXISTS');
    this.expect('(');
    const select = this.select();
    this.expect(')');
    return { kind: 'exists', negated, select };
  }

  private returning(): Returning | undefined {
    if (!this.acceptKeyword('RETURNING')) return undefined;
    const scope = this.peek().text.toUpperCase();
    if (this.peek().kind !== 'word' || (scope !== 'ALL' && scope !== 'MODIFIED')) this.unexpected();
    this.next();
    const age = this.peek().text.toUpperCase();
    if (this.peek().kind !== 'word' || (age !== 'OLD' && age !== 'NEW')) this.unexpected();
    this.next();
    this.expect('*');
    return `${scope} ${age}` as Returning;
  }

  /** `table` or `table.index`, each a word or a "quoted" name. */
  private tableRef(allowIndex: boolean): TableRef {
    const start = this.peek();
    const table = this.name('Expected table name');
    let index: string | undefined;
    if (this.at('.')) {
      this.next();
      index = this.name('Expected index name');
      if (!allowIndex) {
        // DynamoDB refuses a qualified INSERT target and points at the
        // table name as line:column:length, quotes included (dynoxide's capture).
        throw errors.validation(
          `FROM clause may only contain a single table name in data manipulation statements at ${start.line}:${start.column}:${start.length}`,
        );
      }
      if (this.at('.')) throw partiqlSyntaxError('A path may contain at most 2 components in the FROM clause');
    }
    return { table, index };
  }

  private name(missing: string): string {
    const token = this.peek();
    if (token.kind === 'quoted') {
      this.next();
      return token.text;
    }
    if (token.kind === 'word' && !RESERVED.has(token.text.toUpperCase())) {
      this.next();
      return token.text;
    }
    if (token.kind === 'eof') this.unexpected(missing);
    return this.unexpected();
  }

  private path(): PathNode {
    const steps: PathStep[] = [this.name('Expected identifier for simple path')];
    for (;;) {
      if (this.accept('.')) {
        steps.push(this.name('Expected identifier for simple path'));
      } else if (this.accept('[')) {
        const token = this.next();
        if (token.kind === 'number' && /^\d+$/.test(token.text)) steps.push(Number(token.text));
        else if (token.kind === 'string') steps.push(token.text);
        else throw partiqlSyntaxError('Invalid path component');
        this.expect(']');
      } else {
        break;
      }
    }
    return { kind: 'path', steps };
  }

  condition(): ConditionNode {
    this.enter();
    let left = this.conjunction();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.conjunction() };
    this.leave();
    return left;
  }

  private conjunction(): ConditionNode {
    let left = this.negation();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.negation() };
    return left;
  }

  private negation(): ConditionNode {
    if (this.acceptKeyword('NOT')) {
      this.enter();
      const operand = this.negation();
      this.leave();
      return { kind: 'not', operand };
    }
    return this.predicate();
  }

  private predicate(): ConditionNode {
    if (this.at('(')) {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    const head = this.peek();
    if (head.kind === 'word' && this.at('(', 1)) {
      const name = head.text.toLowerCase() as PredicateFunction;
      if (PREDICATE_FUNCTIONS.includes(name)) {
        this.next();
        this.next();
        const args: OperandNode[] = [this.operand()];
        while (this.accept(',')) args.push(this.operand());
        this.expect(')');
        return { kind: 'function', name, args };
      }
    }
    const left = this.operand();
    if (this.acceptKeyword('IS')) {
      const negated = this.acceptKeyword('NOT');
      let what: 'MISSING' | 'NULL';
      if (this.acceptKeyword('MISSING')) what = 'MISSING';
      else if (this.acceptKeyword('NULL')) what = 'NULL';
      else return this.unexpected();
      if (left.kind !== 'path') this.unexpected('IS requires an attribute path');
      return { kind: 'is', operand: left, what, negated };
    }
    const negatedRange = this.atKeyword('NOT') && (this.atKeyword('BETWEEN', 1) || this.atKeyword('IN', 1));
    if (negatedRange) this.next();
    let node: ConditionNode | undefined;
    if (this.acceptKeyword('BETWEEN')) {
      const lower = this.operand();
      this.expectKeyword('AND');
      node = { kind: 'between', operand: left, lower, upper: this.operand() };
    } else if (this.acceptKeyword('IN')) {
      node = { kind: 'in', operand: left, list: this.inList() };
    }
    if (node !== undefined) return negatedRange ? { kind: 'not', operand: node } : node;
    const op = this.comparator();
    return { kind: 'compare', op, left, right: this.operand() };
  }

  private inList(): OperandNode[] {
    const close: TokenKind = this.accept('(') ? ')' : this.accept('[') ? ']' : this.unexpected();
    const list: OperandNode[] = [this.operand()];
    while (this.accept(',')) list.push(this.operand());
    this.expect(close);
    return list;
  }

  private comparator(): Comparator {
    const token = this.peek();
    switch (token.kind) {
      case '=':
      case '<>':
      case '<':
      case '<=':
      case '>':
      case '>=':
        this.next();
        return token.kind;
      default:
        return this.unexpected();
    }
  }

  private operand(): OperandNode {
    const token = this.peek();
    if (token.kind === 'word' && token.text.toLowerCase() === 'size' && this.at('(', 1)) {
      this.next();
      this.next();
      const path = this.path();
      this.expect(')');
      return { kind: 'size', path };
    }
    if (token.kind === 'quoted' || (token.kind === 'word' && !isValueKeyword(token.text))) return this.path();
    return this.value();
  }

  private setValue(): SetValueNode {
    let left = this.setTerm();
    for (;;) {
      if (this.accept('+')) left = { kind: 'plus', left, right: this.setTerm() };
      else if (this.accept('-')) left = { kind: 'minus', left, right: this.setTerm() };
      else return left;
    }
  }

  private setTerm(): SetValueNode {
    const token = this.peek();
    if (token.kind === 'word' && this.at('(', 1)) {
      const name = token.text.toLowerCase();
      if (name === 'list_append') {
        this.next();
        this.next();
        const left = this.setValue();
        this.expect(',');
        const right = this.setValue();
        this.expect(')');
        return { kind: 'listAppend', left, right };
      }
      if (name === 'if_not_exists') {
        this.next();
        this.next();
        const path = this.path();
        this.expect(',');
        const fallback = this.setValue();
        this.expect(')');
        return { kind: 'ifNotExists', path, fallback };
      }
      if (name === 'set_add' || name === 'set_delete') {
        this.next();
        this.next();
        const path = this.path();
        this.expect(',');
        const value = this.value();
        this.expect(')');
        return { kind: name === 'set_add' ? 'setAdd' : 'setDelete', path, value };
      }
    }
    if (this.at('(')) {
      this.next();
      this.enter();
      const inner = this.setValue();
      this.leave();
      this.expect(')');
      return inner;
    }
    return this.operand();
  }

  /** A value: literal, `?`, or a map, list or set of values. */
  value(): ValueNode {
    const token = this.next();
    switch (token.kind) {
      case 'string':
        return { kind: 'literal', value: { S: token.text } };
      case 'number':
        return { kind: 'literal', value: { N: numberLiteral(token.text) } };
      case '-': {
        const number = this.peek();
        if (number.kind !== 'number') this.unexpected();
        this.next();
        return { kind: 'literal', value: { N: numberLiteral('-' + number.text) } };
      }
      case '+': {
        const number = this.expect('number');
        return { kind: 'literal', value: { N: numberLiteral(number.text) } };
      }
      case '?':
        return { kind: 'parameter', index: this.parameterCount++ };
      case 'word': {
        const word = token.text.toUpperCase();
        if (word === 'TRUE' || word === 'FALSE') return { kind: 'literal', value: { BOOL: word === 'TRUE' } };
        if (word === 'NULL') return { kind: 'literal', value: { NULL: true } };
        this.position--;
        return this.unexpected();
      }
      case '{': {
        this.enter();
        const entries: [string, ValueNode][] = [];
        if (!this.at('}')) {
          do {
            const key = this.next();
            if (key.kind !== 'string') {
              this.position--;
              this.unexpected();
            }
            this.expect(':');
            entries.push([key.text, this.value()]);
          } while (this.accept(','));
        }
        this.expect('}');
        this.leave();
        return { kind: 'map', entries };
      }
      case '[': {
        this.enter();
        const items: ValueNode[] = [];
        if (!this.at(']')) {
          do items.push(this.value());
          while (this.accept(','));
        }
        this.expect(']');
        this.leave();
        return { kind: 'list', items };
      }
      case '<<': {
        this.enter();
        const items: ValueNode[] = [];
        if (!this.at('>>')) {
          do items.push(this.value());
          while (this.accept(','));
        }
        this.expect('>>');
        this.leave();
        return { kind: 'set', items };
      }
      default:
        this.position--;
        return this.unexpected();
    }
  }
}

/** Words that begin a value rather than a path. */
function isValueKeyword(text: string): boolean {
  const word = text.toUpperCase();
  return word === 'TRUE' || word === 'FALSE' || word === 'NULL' || RESERVED.has(word);
}

function numberLiteral(text: string): string {
  const problem = numberMessage(text);
  if (problem !== undefined) throw errors.validation(problem);
  return normalizeNumber(text);
}
