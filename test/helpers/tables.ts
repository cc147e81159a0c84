/**
 * @module test/helpers/tables
 * Table definitions the black-box tests use again and again.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** An on-demand table keyed by a string partition key `pk`. */
export function hashKeyTable(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}
