/**
 * @module api/item-schemas
 * Request members shared by the item operations.
 */
import { attrValue, map, str } from '../validate/index.js';

/**
 * An item or key: attribute name → AttributeValue. DynamoDB refuses an
 * empty attribute name in its service code (DynamoDB Local's text).
 */
export const EMPTY_ATTRIBUTE_NAME = 'Empty attribute name';
export const item = (o: { required?: boolean } = {}) => map(attrValue(), { emptyKey: EMPTY_ATTRIBUTE_NAME, ...o });
export const returnConsumedCapacity = () => str({ enum: ['INDEXES', 'TOTAL', 'NONE'] });
export const returnItemCollectionMetrics = () => str({ enum: ['SIZE', 'NONE'] });
export const returnValuesOnConditionCheckFailure = () => str({ enum: ['ALL_OLD', 'NONE'] });
/** Coral prints [OR, AND] for Query and Scan as for the single-item writes (dynalite's DynamoDB-verified tests). */
export const conditionalOperator = () => str({ enum: ['OR', 'AND'] });
export const expressionAttributeNames = () =>
  map(str(), { emptyValue: 'ExpressionAttributeNames contains invalid value: Empty attribute name for key {key}' });
export const expressionAttributeValues = () => map(attrValue());
