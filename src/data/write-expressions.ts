/**
 * @module data/write-expressions
 * The expression half of a write request's validation: the placeholder
 * maps, then UpdateExpression, then ConditionExpression, then the check
 * that every placeholder was used — DynamoDB's order (dynalite's
 * DynamoDB-verified validateExpressions). Parsing is cached in expr, so a
 * repeated request only resolves its placeholders.
 */
import { ExpressionContext, checkPlaceholderMaps } from '../expr/index.js';
import type { Condition, Update } from '../expr/index.js';
import type { AttributeValue } from '../values/types.js';

export interface ExpressionMembers {
  readonly ConditionExpression?: string;
  readonly UpdateExpression?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Readonly<Record<string, AttributeValue>>;
}

export interface ResolvedWriteExpressions {
  readonly update: Update | undefined;
  readonly condition: Condition | undefined;
}

const NONE: ResolvedWriteExpressions = { update: undefined, condition: undefined };

export function resolveWriteExpressions(input: ExpressionMembers): ResolvedWriteExpressions {
  const names = input.ExpressionAttributeNames;
  const values = input.ExpressionAttributeValues;
  if (
    names === undefined &&
    values === undefined &&
    input.UpdateExpression === undefined &&
    input.ConditionExpression === undefined
  ) {
    return NONE;
  }
  checkPlaceholderMaps(names, values);
  const context = new ExpressionContext(names, values);
  const update = input.UpdateExpression === undefined ? undefined : context.update(input.UpdateExpression);
  const condition = input.ConditionExpression === undefined ? undefined : context.condition(input.ConditionExpression);
  context.assertAllUsed();
  return { update, condition };
}
