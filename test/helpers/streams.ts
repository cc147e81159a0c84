/**
 * @module test/helpers/streams
 * The DynamoDB Streams client for black-box tests, and a reader that
 * collects a shard's records.
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetRecordsCommandOutput,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';

export function streamsClient(url: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
}

/** The one shard's id. */
export async function onlyShard(streams: DynamoDBStreamsClient, streamArn: string): Promise<string> {
  const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  return out.StreamDescription!.Shards![0]!.ShardId!;
}

export async function shardIterator(
  streams: DynamoDBStreamsClient,
  streamArn: string,
  type: 'TRIM_HORIZON' | 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER',
  sequenceNumber?: string,
): Promise<string> {
  const out = await streams.send(
    new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: await onlyShard(streams, streamArn),
      ShardIteratorType: type,
      ...(sequenceNumber !== undefined ? { SequenceNumber: sequenceNumber } : {}),
    }),
  );
  return out.ShardIterator!;
}

/** Every record from an iterator up to the end of what is written now. */
export async function readAll(streams: DynamoDBStreamsClient, iterator: string): Promise<_Record[]> {
  const records: _Record[] = [];
  let next: string | undefined = iterator;
  while (next !== undefined) {
    const out: GetRecordsCommandOutput = await streams.send(new GetRecordsCommand({ ShardIterator: next }));
    records.push(...(out.Records ?? []));
    if ((out.Records ?? []).length === 0) break;
    next = out.NextShardIterator;
  }
  return records;
}
