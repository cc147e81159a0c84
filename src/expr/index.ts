/**
 * @module expr/index
 * DynamoDB's expression language as a staged pipeline: parse (text →
 * cached frozen AST, syntax and static checks) → resolve (#names and
 * :values, per-request context, semantic checks) → evaluate (conditions,
 * updates, projections over items). The legacy parameters (Expected,
 * AttributeUpdates, ...) convert into the same resolved forms.
 *
 * Typical use in UpdateItem (DynamoDB checks in this order):
 *
 *   checkExpressionParameters(req, ['UpdateExpression', 'ConditionExpression'], ['AttributeUpdates', 'Expected']);
 *   checkPlaceholderMaps(req.ExpressionAttributeNames, req.ExpressionAttributeValues);
 *   const ctx = new ExpressionContext(req.ExpressionAttributeNames, req.ExpressionAttributeValues);
 *   const update = ctx.update(req.UpdateExpression);      // then Condition, KeyCondition,
 *   const condition = ctx.condition(req.ConditionExpression); // Filter, Projection
 *   ctx.assertAllUsed();
 *   if (!evaluateCondition(condition, oldItem)) throw errors.conditionalCheckFailed();
 *   const { item, paths } = applyUpdate(update, oldItem, { key });
 *   // ReturnValues UPDATED_OLD: projectItem(oldItem, paths); UPDATED_NEW: projectItem(item, paths)
 */
export { ExpressionContext } from './expression-context.js';
export type { AttributeNames, AttributeValues } from './placeholders.js';
export { evaluateCondition, operandValue } from './evaluate-condition.js';
export { applyUpdate } from './apply-update.js';
export type { UpdateOptions, UpdateResult } from './apply-update.js';
export { projectItem } from './project.js';
export { valueAt } from './document-path.js';
export {
  checkFilterAvoidsKeys,
  keyConditionMatches,
  keyConditionsFromExpression,
  planKeyConditions,
} from './key-condition.js';
export type { KeyAttribute, KeyCondition, KeyConditionPlan, KeyOperator, KeySchema, KeyValue } from './key-condition.js';
export { conditionPaths, updatePaths, updateTargetPaths } from './referenced-paths.js';
export {
  MAX_EXPRESSION_BYTES,
  MAX_OPERATORS,
  clearParseCache,
  parseCondition,
  parseProjection,
  parseUpdate,
} from './parse.js';
export type { ConditionExpressionName } from './parse.js';
export {
  attributeUpdatesToUpdate,
  attributesToGetToPaths,
  checkConditionalOperator,
  expectedToCondition,
  filterToCondition,
  keyConditionsFromLegacy,
} from './legacy.js';
export type { AttributeValueUpdate, ConditionalOperator, ExpectedAttributeValue, LegacyCondition } from './legacy.js';
export { checkExpressionParameters, checkPlaceholderMaps } from './parameters.js';
export { formatPath } from './expression-error.js';
export type { ExpressionName } from './expression-error.js';
export { isReservedWord } from './reserved-words.js';
export type {
  Condition,
  DocumentPath,
  Operand,
  PathElement,
  SetValue,
  Update,
  UpdateAction,
} from './resolved.js';
export type * from './ast.js';
