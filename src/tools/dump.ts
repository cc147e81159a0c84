/**
 * @module tools/dump
 * `openddb dump TABLE > FILE.jsonl` and `openddb load TABLE < FILE.jsonl`:
 * a table as DynamoDB JSON lines, `{"Item":{…}}` per item — the format of
 * DynamoDB's export to S3 (DYNAMODB_JSON), so a dump loads into DynamoDB's
 * import from S3 too, and an export's files load here. Numbers stay the
 * strings DynamoDB sends, untouched. dump scans in parallel segments with
 * consistent reads; load writes with tools/batch-writer.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { Item } from '../values/index.js';
import { BatchWriter, type WriterProgress } from './batch-writer.js';
import { DEFAULT_ENDPOINT, DynamoClient, clientOptionsFromEnv, describeError } from './client.js';
import { dynamoJsonItem } from './migrate-sources.js';

export const DUMP_USAGE = 'usage: openddb dump TABLE [--endpoint URL] [--region REGION] [--segments 4] > FILE.jsonl';
export const LOAD_USAGE = 'usage: openddb load TABLE [--endpoint URL] [--region REGION] [--concurrency 4] < FILE.jsonl';

function parse(argv: readonly string[], usage: string, extra: Record<string, { type: 'string'; default: string }>) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { endpoint: { type: 'string', default: DEFAULT_ENDPOINT }, region: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false }, ...extra },
  });
  if (values.help === true) return { help: true as const };
  if (positionals.length !== 1) throw new Error(`name one table\n${usage}`);
  return { help: false as const, values: values as unknown as Record<string, string | undefined>, table: positionals[0]! };
}

/** Writes `text` to standard output, waiting when the pipe is full. */
function write(text: string): Promise<void> | undefined {
  if (process.stdout.write(text)) return undefined;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

export async function runDump(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parse(argv, DUMP_USAGE, { segments: { type: 'string', default: '4' } });
  } catch (e) {
    process.stderr.write(`openddb dump: ${(e as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${DUMP_USAGE}\n`);
    return 0;
  }
  const segments = Number(args.values.segments);
  if (!Number.isInteger(segments) || segments < 1 || segments > 1000) {
    process.stderr.write('openddb dump: --segments must be a whole number from 1 to 1000\n');
    return 2;
  }
  // `openddb dump T | head`: a reader that stops early ends the dump quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  try {
    const client = new DynamoClient(clientOptionsFromEnv(args.values.endpoint!, args.values.region));
    await client.call('DescribeTable', { TableName: args.table });
    let count = 0;
    const segment = async (s: number) => {
      let startKey: Item | undefined;
      do {
        const page = await client.call<{ Items?: Item[]; LastEvaluatedKey?: Item }>('Scan', {
          TableName: args.table,
          ConsistentRead: true,
          ...(segments > 1 ? { Segment: s, TotalSegments: segments } : {}),
          ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
        });
        const items = page.Items ?? [];
        if (items.length > 0) await write(items.map((Item) => `${JSON.stringify({ Item })}\n`).join(''));
        count += items.length;
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    };
    await Promise.all(Array.from({ length: segments }, (_, s) => segment(s)));
    process.stderr.write(`dumped ${count} items of ${args.table}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`openddb dump: ${describeError(e)}\n`);
    return 1;
  }
}

export async function runLoad(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parse(argv, LOAD_USAGE, { concurrency: { type: 'string', default: '4' } });
  } catch (e) {
    process.stderr.write(`openddb load: ${(e as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${LOAD_USAGE}\n`);
    return 0;
  }
  const concurrency = Number(args.values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    process.stderr.write('openddb load: --concurrency must be a whole number from 1 to 64\n');
    return 2;
  }
  try {
    const client = new DynamoClient(clientOptionsFromEnv(args.values.endpoint!, args.values.region));
    const { Table } = await client.call<{ Table: { KeySchema: { AttributeName: string }[] } }>('DescribeTable', { TableName: args.table });
    const progress: WriterProgress = { rowsDone: 0, itemsWritten: 0, positions: new Map() };
    const writer = new BatchWriter(client, args.table, Table.KeySchema.map((k) => k.AttributeName), concurrency, progress, () => {});
    let lineNo = 0;
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      lineNo++;
      if (line.trim() === '') continue;
      let item: Item | undefined;
      try {
        item = dynamoJsonItem(JSON.parse(line));
      } catch {
        item = undefined;
      }
      if (item === undefined) throw new Error(`line ${lineNo}: not a DynamoDB JSON line ({"Item":{"attr":{"S":"…"}}}); nothing after it was loaded`);
      const problem = BatchWriter.problem(item);
      if (problem !== undefined) throw new Error(`line ${lineNo}: ${problem}`);
      await writer.add(item, 0, lineNo);
    }
    await writer.close();
    process.stderr.write(`loaded ${progress.itemsWritten} items into ${args.table}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`openddb load: ${describeError(e)}\n`);
    return 1;
  }
}
