/**
 * @module ops/item-schemas
 * Request members shared by the item operations.
 */
import { attrValue, map, str } from '../validate/index.js';

export const item = (o: { required?: boolean } = {}) => map(attrValue(), o);
export const returnValues = () => str({ enum: ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'] });
export const returnConsumedCapacity = () => str({ enum: ['INDEXES', 'TOTAL', 'NONE'] });
export const returnItemCollectionMetrics = () => str({ enum: ['SIZE', 'NONE'] });
export const returnValuesOnConditionCheckFailure = () => str({ enum: ['ALL_OLD', 'NONE'] });
export const conditionalOperator = () => str({ enum: ['AND', 'OR'] });
export const expressionAttributeNames = () => map(str());
export const expressionAttributeValues = () => map(attrValue());
