/**
 * @module api/write-schemas
 * Request members of the single-item writes (PutItem, UpdateItem,
 * DeleteItem), with the enum orders Coral prints in its constraint messages
 * (dynalite's DynamoDB-verified tests), e.g. "Member must satisfy enum value
 * set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]".
 */
import { attrValue, bool, list, map, str, struct } from '../validate/index.js';
import { EMPTY_ATTRIBUTE_NAME } from './item-schemas.js';

export const returnValues = () => str({ enum: ['ALL_NEW', 'UPDATED_OLD', 'ALL_OLD', 'NONE', 'UPDATED_NEW'] });
export const conditionalOperator = () => str({ enum: ['OR', 'AND'] });

/** Coral lists the ComparisonOperator values in this order. */
export const COMPARISON_OPERATORS = [
  'IN',
  'NULL',
  'BETWEEN',
  'LT',
  'NOT_CONTAINS',
  'EQ',
  'GT',
  'NOT_NULL',
  'NE',
  'LE',
  'BEGINS_WITH',
  'GE',
  'CONTAINS',
];

/** Expected: attribute name → ExpectedAttributeValue. */
export const expected = () =>
  map(
    struct({
      AttributeValueList: list(attrValue()),
      ComparisonOperator: str({ enum: COMPARISON_OPERATORS }),
      Exists: bool(),
      Value: attrValue(),
    }),
    {
      nullValue: 'One or more parameter values were invalid: ExpectedAttributeValue must not be null for Attribute: {key}',
      emptyKey: EMPTY_ATTRIBUTE_NAME,
    },
  );

/** AttributeUpdates: attribute name → AttributeValueUpdate. */
export const attributeUpdates = () =>
  map(
    struct({
      Action: str({ enum: ['ADD', 'PUT', 'DELETE'] }),
      Value: attrValue(),
    }),
    { emptyKey: EMPTY_ATTRIBUTE_NAME },
  );
