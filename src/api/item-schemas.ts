/**
 * @module api/item-schemas
 * Request members shared by the item operations.
 */
import { attrValue, map, str } from '../validate/index.js';

export const item = (o: { required?: boolean } = {}) => map(attrValue(), o);
export const returnConsumedCapacity = () => str({ enum: ['INDEXES', 'TOTAL', 'NONE'] });
export const returnItemCollectionMetrics = () => str({ enum: ['SIZE', 'NONE'] });
export const returnValuesOnConditionCheckFailure = () => str({ enum: ['ALL_OLD', 'NONE'] });
/** Query and Scan print [AND, OR]; the single-item writes print [OR, AND] (write-schemas.ts). */
export const conditionalOperator = () => str({ enum: ['AND', 'OR'] });
export const expressionAttributeNames = () => map(str());
export const expressionAttributeValues = () => map(attrValue());
