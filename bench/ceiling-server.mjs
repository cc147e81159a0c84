/**
 * @module The ceiling: the least work any Node server speaking DynamoDB's
 * JSON protocol must do — read the body, JSON.parse it, JSON.stringify an
 * answer of the right shape and size, add the x-amz-crc32 header. No
 * validation, no storage. Its ops/s and CPU per op bound what openddb (or
 * any node:http-based server) can reach on this machine.
 *
 * Usage: node bench/ceiling-server.mjs --port <port> [--host 127.0.0.1]
 */
import http from 'node:http';
import { crc32 } from 'node:zlib';
import { makeItem } from './workloads.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const port = Number(arg('--port', '0'));
const host = arg('--host', '127.0.0.1');

// An item of the same shape and size (200 bytes) as the bench's items.
const item = makeItem('item#000123', '0004');
const items = Array.from({ length: 10 }, () => item);

/** Answers shaped like DynamoDB's for the ops the bench sends, so response sizes match. */
function answer(target) {
  switch (target) {
    case 'DynamoDB_20120810.GetItem':
      return { Item: item };
    case 'DynamoDB_20120810.Query':
      return { Items: items, Count: 10, ScannedCount: 10 };
    case 'DynamoDB_20120810.BatchWriteItem':
      return { UnprocessedItems: {} };
    case 'DynamoDB_20120810.ListTables':
      return { TableNames: [] };
    // Enough of table setup for the harness to treat the ceiling like any server.
    case 'DynamoDB_20120810.CreateTable':
      return { TableDescription: { TableName: 'bench', TableStatus: 'ACTIVE' } };
    case 'DynamoDB_20120810.DescribeTable':
      return { Table: { TableName: 'bench', TableStatus: 'ACTIVE' } };
    default:
      return {};
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    let out;
    try {
      JSON.parse(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      out = JSON.stringify(answer(req.headers['x-amz-target']));
    } catch {
      status = 400;
      out = '{"__type":"com.amazon.coral.service#SerializationException"}';
    }
    const body = Buffer.from(out);
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.0',
      'Content-Length': body.length,
      'x-amz-crc32': String(crc32(body)),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, host, () => {
  const addr = server.address();
  console.log(`ceiling listening on http://${host}:${addr.port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
