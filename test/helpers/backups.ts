/**
 * @module test/helpers/backups
 * What the backup and point-in-time-recovery tests share: waiting for a
 * backup or a restored table, and a table's items as sorted text.
 */
import {
  BatchWriteItemCommand,
  DescribeBackupCommand,
  DescribeTableCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function backupAvailable(ddb: DynamoDBClient, arn: string): Promise<void> {
  await until(`backup ${arn} is AVAILABLE`, async () => {
    const d = await ddb.send(new DescribeBackupCommand({ BackupArn: arn }));
    return d.BackupDescription?.BackupDetails?.BackupStatus === 'AVAILABLE' ? true : undefined;
  });
}

export async function tableActive(ddb: DynamoDBClient, name: string, timeoutMs?: number): Promise<void> {
  await until(
    `table ${name} is ACTIVE`,
    async () => {
      const d = await ddb.send(new DescribeTableCommand({ TableName: name }));
      return d.Table?.TableStatus === 'ACTIVE' ? true : undefined;
    },
    timeoutMs,
  );
}

/** Every item of a table (or index), each as canonical JSON, sorted. */
export async function scanAll(ddb: DynamoDBClient, table: string, index?: string): Promise<string[]> {
  const out: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(
      new ScanCommand({ TableName: table, ...(index ? { IndexName: index } : {}), ConsistentRead: index === undefined, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) out.push(canonical(item));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out.sort();
}

export function canonical(item: Record<string, AttributeValue>): string {
  return JSON.stringify(Object.keys(item).sort().map((k) => [k, item[k]]));
}

/** Puts items 25 at a time. */
export async function putAll(ddb: DynamoDBClient, table: string, items: Record<string, AttributeValue>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const r = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (r.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}
