/**
 * @module partiql/lexer
 * Splits a PartiQL statement into tokens, keeping each token's line and
 * column (1-based) because some of DynamoDB's PartiQL messages report a
 * position as `line:column:length`. Keywords are recognised
 * case-insensitively by the parser; the lexer only tells words, quoted
 * identifiers, strings, numbers, `?` parameters and punctuation apart.
 */
import { partiqlSyntaxError } from './partiql-error.js';

export type TokenKind =
  | 'word'
  /** A "double-quoted" identifier: always a name, never a keyword. */
  | 'quoted'
  /** A 'single-quoted' string literal. */
  | 'string'
  | 'number'
  | '?'
  | '('
  | ')'
  | '['
  | ']'
  | '{'
  | '}'
  | '<<'
  | '>>'
  | ','
  | '.'
  | ':'
  | ';'
  | '*'
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | '+'
  | '-'
  | '/'
  | '%'
  | '||'
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** For words the text as written; for strings and quoted names the unescaped content. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** Length of the token in the source, quotes included. */
  readonly length: number;
}

const PUNCTUATION: readonly TokenKind[] = [
  '<<', '>>', '<>', '<=', '>=', '||',
  '(', ')', '[', ']', '{', '}', ',', '.', ':', ';', '*', '=', '<', '>', '+', '-', '/', '%', '?',
];

function isWordStart(c: string): boolean {
  return /[A-Za-z_$]/.test(c);
}

function isWordPart(c: string): boolean {
  return /[A-Za-z0-9_$]/.test(c);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Tokenises `source`; the last token is always `eof`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const push = (kind: TokenKind, text: string, start: number, end: number, startLine: number, startCol: number) =>
    tokens.push({ kind, text, line: startLine, column: startCol, length: end - start });

  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    const column = i - lineStart + 1;
    // Comments: `--` to the end of the line, `/* ... */`.
    if (c === '-' && source[i + 1] === '-') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      if (close < 0) throw partiqlSyntaxError('Unterminated comment');
      for (let j = i; j < close; j++) {
        if (source[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      i = close + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const start = i;
      const startLine = line;
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) {
          throw partiqlSyntaxError(c === "'" ? 'Unterminated string literal' : 'Unterminated quoted identifier');
        }
        const d = source[i]!;
        if (d === c) {
          // A doubled quote stands for one quote character.
          if (source[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\n') {
          line++;
          lineStart = i + 1;
        }
        text += d;
        i++;
      }
      push(c === "'" ? 'string' : 'quoted', text, start, i, startLine, column);
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(source[i + 1]))) {
      const start = i;
      while (isDigit(source[i])) i++;
      if (source[i] === '.') {
        i++;
        while (isDigit(source[i])) i++;
      }
      if ((source[i] === 'e' || source[i] === 'E') &&
        (isDigit(source[i + 1]) || ((source[i + 1] === '+' || source[i + 1] === '-') && isDigit(source[i + 2])))) {
        i += 2;
        while (isDigit(source[i])) i++;
      }
      push('number', source.slice(start, i), start, i, line, column);
      continue;
    }
    if (isWordStart(c)) {
      const start = i;
      while (i < source.length && isWordPart(source[i]!)) i++;
      push('word', source.slice(start, i), start, i, line, column);
      continue;
    }
    const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
    if (punct !== undefined) {
      push(punct, punct, i, i + punct.length, line, column);
      i += punct.length;
      continue;
    }
    if (c === '!' && source[i + 1] === '=') {
      push('<>', '!=', i, i + 2, line, column);
      i += 2;
      continue;
    }
    throw partiqlSyntaxError('Unexpected character');
  }
  tokens.push({ kind: 'eof', text: '', line, column: i - lineStart + 1, length: 0 });
  return tokens;
}
