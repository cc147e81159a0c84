/**
 * @module api/tables/table-schemas
 * Request shapes shared by the control-plane operations.
 */
import { list, long, str, struct, bool } from '../../validate/index.js';

export const keySchemaElement = struct(
  {
    AttributeName: str({ required: true, min: 1, max: 255 }),
    KeyType: str({ required: true, enum: ['HASH', 'RANGE'] }),
  },
  { javaName: 'KeySchemaElement' },
);

export const keySchema = (o: { required?: boolean } = {}) =>
  list(keySchemaElement, { min: 1, max: 2, ...o });

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
    ProjectionType: str({ enum: ['ALL', 'KEYS_ONLY', 'INCLUDE'] }),
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

export const tag = struct(
  {
    Key: str({ required: true, min: 1, max: 128 }),
    Value: str({ required: true, min: 0, max: 256 }),
  },
  { javaName: 'Tag' },
);

export const tableClass = () => str({ enum: ['STANDARD', 'STANDARD_INFREQUENT_ACCESS'] });
