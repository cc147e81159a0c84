/**
 * @module expr/lexer
 * Splits an expression into tokens the way DynamoDB's lexer does, keeping
 * each token's source offsets so a syntax error can quote the text around
 * it ("near: ...") exactly as DynamoDB does.
 *
 * Rules learned from DynamoDB's observed behaviour (ScyllaDB's Alternator
 * test suite, which runs against real DynamoDB):
 * - a bare name starts with a letter and goes on with letters, digits and
 *   `_` (`_abc` is the token `_` followed by `abc`);
 * - `#name` and `:name` placeholders may start with any of those three;
 * - a lone `#` or `:` and any other character are single-character tokens
 *   that no grammar accepts, so they surface as syntax errors.
 */

export type TokenKind =
  | 'name'
  | 'nameRef'
  | 'valueRef'
  | 'number'
  | '('
  | ')'
  | '['
  | ']'
  | '.'
  | ','
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | 'unknown'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token; `<EOF>` for the end. */
  readonly text: string;
  /** Offset of the first character. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
}

const SINGLE: Readonly<Record<string, TokenKind>> = {
  '(': '(',
  ')': ')',
  '[': '[',
  ']': ']',
  '.': '.',
  ',': ',',
  '=': '=',
  '+': '+',
  '-': '-',
};

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isNamePart(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 95;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Tokenizes `source`; the last token is always `eof`. Never throws. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const length = source.length;
  let i = 0;
  while (i < length) {
    const c = source.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    let kind: TokenKind;
    if (isLetter(c)) {
      i++;
      while (i < length && isNamePart(source.charCodeAt(i))) i++;
      kind = 'name';
    } else if (isDigit(c)) {
      i++;
      while (i < length && isDigit(source.charCodeAt(i))) i++;
      kind = 'number';
    } else if ((c === 35 || c === 58) && i + 1 < length && isNamePart(source.charCodeAt(i + 1))) {
      i += 2;
      while (i < length && isNamePart(source.charCodeAt(i))) i++;
      kind = c === 35 ? 'nameRef' : 'valueRef';
    } else if (c === 60) {
      const next = source.charCodeAt(i + 1);
      i += next === 62 || next === 61 ? 2 : 1;
      kind = i - start === 1 ? '<' : next === 62 ? '<>' : '<=';
    } else if (c === 62) {
      i += source.charCodeAt(i + 1) === 61 ? 2 : 1;
      kind = i - start === 1 ? '>' : '>=';
    } else {
      const single = SINGLE[source[i] as string];
      // A character outside the BMP is one token, not two halves.
      i += c >= 0xd800 && c <= 0xdbff && i + 1 < length ? 2 : 1;
      kind = single ?? 'unknown';
    }
    tokens.push({ kind, text: source.slice(start, i), start, end: i });
  }
  tokens.push({ kind: 'eof', text: '<EOF>', start: length, end: length });
  return tokens;
}
