/**
 * @module api/item-schemas
 * Request members shared by the item operations.
 */
import { attrValue, map, str } from '../validate/index.js';

export const item = (o: { required?: boolean } = {}) => map(attrValue(), o);
export const returnConsumedCapacity = () => str({ enum: ['INDEXES', 'TOTAL', 'NONE'] });
export const returnItemCollectionMetrics = () => str({ enum: ['SIZE', 'NONE'] });
export const returnValuesOnConditionCheckFailure = () => str({ enum: ['ALL_OLD', 'NONE'] });
/** Coral prints [OR, AND] for Query and Scan as for the single-item writes (dynalite's DynamoDB-verified tests). */
export const conditionalOperator = () => str({ enum: ['OR', 'AND'] });
export const expressionAttributeNames = () => map(str());
export const expressionAttributeValues = () => map(attrValue());
