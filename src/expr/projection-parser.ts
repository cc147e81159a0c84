/**
 * @module expr/projection-parser
 * Parser for ProjectionExpression: `path (',' path)*`. There are no
 * keywords in this grammar, so every bare name is a path name (and is
 * then checked against the reserved words).
 */
import type { PathNode } from './ast.js';
import { TokenCursor } from './token-cursor.js';

const noKeywords = (): boolean => false;

/** Parses ProjectionExpression text, throwing DynamoDB's syntax errors. */
export function parseProjectionSyntax(source: string): readonly PathNode[] {
  const c = new TokenCursor(source, 'ProjectionExpression');
  const paths: PathNode[] = [];
  for (;;) {
    const first = c.parsePathName(noKeywords);
    paths.push(c.parsePathTail([first], noKeywords));
    if (!c.is(',')) break;
    c.next();
  }
  c.expectEnd();
  return Object.freeze(paths);
}
