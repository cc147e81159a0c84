/**
 * @module expr/path-conflicts
 * DynamoDB refuses, in one UpdateExpression or ProjectionExpression, two
 * paths where one contains the other ("overlap": `a` and `a.b`, or the same
 * path twice) or two paths that treat one attribute both as a map and as a
 * list ("conflict": `a.b` and `a[1]`). Overlaps are reported before
 * conflicts; each names the earlier path first.
 */
import { messages } from './expression-error.js';
import type { DocumentPath } from './resolved.js';

/** The message for the first overlap, else the first conflict, else undefined. */
export function findPathClash(paths: readonly DocumentPath[]): string | undefined {
  let conflict: string | undefined;
  for (let j = 1; j < paths.length; j++) {
    const later = paths[j] as DocumentPath;
    for (let i = 0; i < j; i++) {
      const earlier = paths[i] as DocumentPath;
      const clash = compare(earlier, later);
      if (clash === 'overlap') return messages.overlap(earlier, later);
      if (clash === 'conflict') conflict ??= messages.conflict(earlier, later);
    }
  }
  return conflict;
}

function compare(a: DocumentPath, b: DocumentPath): 'overlap' | 'conflict' | undefined {
  const common = Math.min(a.length, b.length);
  for (let k = 0; k < common; k++) {
    const x = a[k];
    const y = b[k];
    if (typeof x !== typeof y) return 'conflict';
    if (x !== y) return undefined;
  }
  return 'overlap';
}
