/**
 * @module expr/expression-context
 * The expressions of one request, resolved against its
 * ExpressionAttributeNames and ExpressionAttributeValues. An operation
 * makes one context, resolves each expression it was given, then calls
 * `assertAllUsed()`, since DynamoDB rejects a placeholder that none of the
 * request's expressions use.
 *
 * DynamoDB validates a request's expressions in this order, and the first
 * error wins: UpdateExpression, ConditionExpression, KeyConditionExpression,
 * FilterExpression, ProjectionExpression (dynalite's DynamoDB-verified
 * order); callers should resolve them in that order.
 */
import type { ConditionNode, PathNode } from './ast.js';
import { invalidExpression, messages } from './expression-error.js';
import { parseCondition, parseProjection, parseUpdate } from './parse.js';
import type { ConditionExpressionName } from './parse.js';
import { findPathClash } from './path-conflicts.js';
import { Placeholders } from './placeholders.js';
import type { AttributeNames, AttributeValues } from './placeholders.js';
import { resolveCondition } from './resolve-condition.js';
import { resolveUpdate } from './resolve-update.js';
import type { Condition, DocumentPath, PathElement, Update } from './resolved.js';

export class ExpressionContext {
  private readonly placeholders: Placeholders;

  constructor(names?: AttributeNames, values?: AttributeValues) {
    this.placeholders = new Placeholders(names, values);
  }

  /** Parses and resolves a ConditionExpression (or Filter/KeyCondition, by `name`). */
  condition(text: string, name: ConditionExpressionName = 'ConditionExpression'): Condition {
    const root: ConditionNode = parseCondition(text, name);
    return resolveCondition(root, name, this.placeholders);
  }

  /** Parses and resolves an UpdateExpression. */
  update(text: string): Update {
    return resolveUpdate(parseUpdate(text), this.placeholders);
  }

  /** Parses and resolves a ProjectionExpression into its document paths. */
  projection(text: string): DocumentPath[] {
    const parsed = parseProjection(text);
    let undefinedName: string | undefined;
    const paths = parsed.paths.map((path: PathNode) =>
      path.elements.map((element): PathElement => {
        switch (element.kind) {
          case 'name':
            return element.name;
          case 'index':
            return element.index;
          case 'nameRef': {
            const resolved = this.placeholders.name(element.ref);
            if (resolved === undefined) undefinedName ??= element.ref;
            return resolved ?? element.ref;
          }
        }
      }),
    );
    if (undefinedName !== undefined) {
      throw invalidExpression('ProjectionExpression', messages.undefinedName(undefinedName));
    }
    const clash = findPathClash(paths);
    if (clash !== undefined) throw invalidExpression('ProjectionExpression', clash);
    return paths;
  }

  /** Throws unless every ExpressionAttributeNames/Values key was used. */
  assertAllUsed(): void {
    this.placeholders.assertAllUsed();
  }
}
