/**
 * @module api/tables/table-schemas
 * Request shapes shared by the control-plane operations.
 */
import { errors } from '../../errors/index.js';
import { list, long, str, struct, bool } from '../../validate/index.js';

export const keySchemaElement = struct(
  {
    AttributeName: str({ required: true, min: 1, max: 255 }),
    KeyType: str({ required: true, enum: ['HASH', 'RANGE'] }),
  },
  { javaName: 'KeySchemaElement' },
);

export const keySchema = (o: { required?: boolean } = {}) =>
  list(keySchemaElement, { min: 1, max: 2, nullMember: 'Key schema element is invalid.', ...o });

/**
 * A global secondary index's KeySchema has no length constraint of its own
 * (the API reference gives only a minimum): up to 4 HASH and 4 RANGE
 * attributes are allowed, and create-table's checkKeySchema words the limits.
 */
export const globalKeySchema = (o: { required?: boolean } = {}) => list(keySchemaElement, { min: 1, ...o });

export const attributeDefinition = struct(
  {
    AttributeName: str({ required: true, min: 1, max: 255 }),
    AttributeType: str({ required: true, enum: ['B', 'N', 'S'] }),
  },
  { javaName: 'AttributeDefinition' },
);

export const provisionedThroughput = struct(
  {
    ReadCapacityUnits: long({ required: true, min: 1 }),
    WriteCapacityUnits: long({ required: true, min: 1 }),
  },
  { javaName: 'ProvisionedThroughput' },
);

export const onDemandThroughput = struct({
  MaxReadRequestUnits: long(),
  MaxWriteRequestUnits: long(),
});

export const projection = struct(
  {
    // Coral prints this set in alphabetical order (dynalite's DynamoDB-verified tests).
    ProjectionType: str({ enum: ['ALL', 'INCLUDE', 'KEYS_ONLY'] }),
    NonKeyAttributes: list(str({ min: 1, max: 255 }), { min: 1, max: 20 }),
  },
  { javaName: 'Projection' },
);

export const indexName = (o: { required?: boolean } = {}) =>
  str({ min: 3, max: 255, pattern: '[a-zA-Z0-9_.-]+', ...o });

export const streamSpecification = struct({
  StreamEnabled: bool({ required: true }),
  StreamViewType: str({ enum: ['NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES', 'KEYS_ONLY'] }),
});

export const sseSpecification = struct({
  Enabled: bool(),
  SSEType: str({ enum: ['AES256', 'KMS'] }),
  KMSMasterKeyId: str(),
});

/**
 * A missing Key or Value is refused by DynamoDB's service code ("The Tag
 * Value provided is invalid, Value: null"), not by Coral: not `required`.
 */
export const tag = struct(
  {
    Key: str({ min: 1, max: 128 }),
    Value: str({ min: 0, max: 256 }),
  },
  { javaName: 'Tag' },
);

export const tableClass = () => str({ enum: ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] });

/**
 * Each attribute may be defined once (CreateTable, and UpdateTable when it
 * creates an index). DynamoDB's text, without the usual "One or more
 * parameter values were invalid: " prefix (scylladb/scylladb#13870 quotes
 * it from DynamoDB).
 */
export function checkDistinctAttributeDefinitions(definitions: readonly { AttributeName: string }[]): void {
  const seen = new Set<string>();
  for (const d of definitions) {
    if (seen.has(d.AttributeName)) throw errors.validation(`Attribute Name is duplicated: ${d.AttributeName}`);
    seen.add(d.AttributeName);
  }
}

/**
 * The table operations (CreateTable, DescribeTable, DeleteTable,
 * UpdateTable, DescribeTimeToLive) refuse a request without TableName
 * before any constraint check, with this text (dynalite's DynamoDB-verified
 * tests; the conformance suite for CreateTable).
 */
export function requireTableNameParameter(input: Record<string, unknown>): void {
  if (input.TableName === undefined) {
    throw errors.validation("The parameter 'TableName' is required but was not present in the request");
  }
}
