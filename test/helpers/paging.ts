/**
 * @module test/helpers/paging
 * Every page of a Query or a Scan, following LastEvaluatedKey to the end, for
 * the tests that check what paging returns.
 */
import assert from 'node:assert/strict';
import {
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
  type QueryCommandOutput,
  type ScanCommandInput,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';

type Key = Record<string, AttributeValue>;

/** Pages until one has no LastEvaluatedKey; paging that never ends fails the test. */
async function allPages<Page extends { LastEvaluatedKey?: Key }>(read: (start: Key | undefined) => Promise<Page>): Promise<Page[]> {
  const pages: Page[] = [];
  let start: Key | undefined;
  do {
    const page = await read(start);
    pages.push(page);
    start = page.LastEvaluatedKey;
    assert.ok(pages.length < 10_000, 'paging does not end');
  } while (start !== undefined);
  return pages;
}

/** Every page of a Query. */
export function queryPages(ddb: DynamoDBClient, input: QueryCommandInput): Promise<QueryCommandOutput[]> {
  return allPages((start) => ddb.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
}

/** Every page of a Scan. */
export function scanPages(ddb: DynamoDBClient, input: ScanCommandInput): Promise<ScanCommandOutput[]> {
  return allPages((start) => ddb.send(new ScanCommand({ ...input, ExclusiveStartKey: start })));
}
