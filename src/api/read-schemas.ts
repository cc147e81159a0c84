/**
 * @module api/read-schemas
 * Request members Query and Scan share.
 */
import { attrValue, list, map, str, struct } from '../validate/index.js';
import { SELECT_VALUES } from '../data/read-selection.js';
import { COMPARISON_OPERATORS } from './write-schemas.js';
import { EMPTY_ATTRIBUTE_NAME } from './item-schemas.js';


/** KeyConditions, QueryFilter, ScanFilter: attribute name → Condition. */
export const legacyConditions = () =>
  map(
    struct({
      AttributeValueList: list(attrValue()),
      ComparisonOperator: str({ required: true, enum: COMPARISON_OPERATORS }),
    }),
    { nullValue: 'The filter condition for an attribute cannot be null: {key}', emptyKey: EMPTY_ATTRIBUTE_NAME },
  );

export const indexName = () => str({ min: 3, max: 255, pattern: '[a-zA-Z0-9_.-]+' });
export const select = () => str({ enum: SELECT_VALUES });
export const attributesToGet = () => list(str(), { min: 1, max: 255, emptyMember: EMPTY_ATTRIBUTE_NAME });
