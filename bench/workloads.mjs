/**
 * @module The bench's table, its items and the pre-built requests of every
 * workload.
 *
 * One table, `bench`, with a string partition key `pk` and string sort key
 * `sk`. Every item is exactly 200 bytes by DynamoDB's item-size rules.
 * Key spaces do not overlap, so workloads never disturb each other's data:
 *   item#NNNNNN / 0000..0009  seeded; GetItem hits and 10-item Query partitions
 *   ctr#NNNNNN  / 0000        seeded; UpdateItem targets
 *   put#NNNNNNN / 0000        PutItem (and the put half of the mix)
 *   bw#NNNNNNN  / 0000        BatchWriteItem
 *   tx#NNNNNNN  / 0000        TransactWriteItems
 *   s#NNNNNNN   / 0..9        the scale run (100,000 partitions of 10 for 1M items)
 */
import { rawRequest, requestDate, callOk, call, describeError } from './protocol.mjs';

export const TABLE = 'bench';
export const ITEM_BYTES = 200;

export const WORKLOADS = {
  put: { op: 'PutItem', title: 'PutItem (200-byte item)' },
  get: { op: 'GetItem', title: 'GetItem (hit)' },
  update: { op: 'UpdateItem', title: 'UpdateItem (condition + ADD)' },
  query: { op: 'Query', title: 'Query (10 items returned)' },
  batch: { op: 'BatchWriteItem', title: 'BatchWriteItem (25 puts)', itemsPerOp: 25 },
  transact: { op: 'TransactWriteItems', title: 'TransactWriteItems (4 puts)', itemsPerOp: 4, transactional: true },
  mix: { op: 'GetItem+PutItem', title: '50/50 GetItem/PutItem mix' },
};
export const WORKLOAD_NAMES = Object.keys(WORKLOADS);

const pad = (n, w) => String(n).padStart(w, '0');

/** DynamoDB's item size: attribute names plus values (UTF-8), numbers ~1 byte per 2 digits + 1. */
export function itemSize(item) {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if ('S' in value) size += Buffer.byteLength(value.S);
    else if ('N' in value) size += Math.ceil(value.N.replace(/^[-0.]+|\.|0+$/g, '').length / 2) + 1;
    else if ('BOOL' in value) size += 1;
    else throw new Error(`itemSize: unexpected type in ${name}`);
  }
  return size;
}

/** A deterministic 200-byte item for a key. */
export function makeItem(pk, sk) {
  const seed = hashString(pk + sk);
  const item = {
    pk: { S: pk },
    sk: { S: sk },
    name: { S: `user-${pk.slice(-6)}-${sk}` },
    email: { S: `user${pk.slice(-6)}.${sk}@example.com` },
    age: { N: String(18 + (seed % 80)) },
    active: { BOOL: (seed & 1) === 0 },
    bio: { S: '' },
  };
  const filler = ITEM_BYTES - itemSize(item);
  if (filler < 0) throw new Error(`makeItem: key ${pk}/${sk} too long for a ${ITEM_BYTES}-byte item`);
  item.bio.S = 'lorem ipsum dolor sit amet '.repeat(10).slice(0, filler);
  return item;
}

function hashString(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A small seeded PRNG, so every server gets the same request sequence. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const key = (pk, sk) => ({ pk: { S: pk }, sk: { S: sk } });

/** How much is seeded; moto and DynamoDB Local on disk get less because they seed ~100× slower. */
export function seedPlan(mode, server) {
  if (server === 'moto') return { partitions: 100, counters: 200 };
  // DynamoDB Local on disk writes each batch through SQLite at a few hundred items/s: the quick run's seed, in every mode.
  if (server === 'dynamodb-local-disk') return { partitions: 200, counters: 500 };
  if (mode === 'full') return { partitions: 2000, counters: 2000 }; // partitions × 10 items
  if (mode === 'smoke') return { partitions: 50, counters: 100 };
  return { partitions: 200, counters: 500 };
}

/** Bodies of the BatchWriteItem calls that seed a server (items and counters). */
export function* seedBodies(plan) {
  let batch = [];
  const flush = () => {
    const body = { RequestItems: { [TABLE]: batch.map((Item) => ({ PutRequest: { Item } })) } };
    batch = [];
    return body;
  };
  for (let p = 0; p < plan.partitions; p++) {
    for (let s = 0; s < 10; s++) {
      batch.push(makeItem(`item#${pad(p, 6)}`, pad(s, 4)));
      if (batch.length === 25) yield flush();
    }
  }
  for (let c = 0; c < plan.counters; c++) {
    batch.push(makeItem(`ctr#${pad(c, 6)}`, '0000'));
    if (batch.length === 25) yield flush();
  }
  if (batch.length) yield flush();
}

/**
 * Request bodies per workload: `[{ target, body }]`, in the order each
 * connection cycles through. `scale` shrinks the lists (the smoke run).
 */
export function workloadBodies(name, plan, scale = 1) {
  const n = (count) => Math.max(16, Math.round(count * scale));
  const rand = rng(0xb5ee + name.length);
  const pick = (n) => Math.floor(rand() * n);
  const getBody = () => ({ TableName: TABLE, Key: key(`item#${pad(pick(plan.partitions), 6)}`, pad(pick(10), 4)) });
  let putSeq = 0;
  const putBody = () => {
    const pk = `put#${pad(putSeq++, 7)}`;
    return { TableName: TABLE, Item: makeItem(pk, '0000') };
  };
  const out = [];
  switch (name) {
    case 'put':
      for (let i = 0; i < n(8192); i++) out.push({ target: 'PutItem', body: putBody() });
      break;
    case 'get':
      for (let i = 0; i < n(4096); i++) out.push({ target: 'GetItem', body: getBody() });
      break;
    case 'update':
      for (let i = 0; i < n(4096); i++) {
        out.push({
          target: 'UpdateItem',
          body: {
            TableName: TABLE,
            Key: key(`ctr#${pad(pick(plan.counters), 6)}`, '0000'),
            UpdateExpression: 'ADD #c :one',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#c': 'cnt' },
            ExpressionAttributeValues: { ':one': { N: '1' } },
          },
        });
      }
      break;
    case 'query':
      for (let i = 0; i < n(4096); i++) {
        out.push({
          target: 'Query',
          body: {
            TableName: TABLE,
            KeyConditionExpression: 'pk = :p',
            ExpressionAttributeValues: { ':p': { S: `item#${pad(pick(plan.partitions), 6)}` } },
          },
        });
      }
      break;
    case 'batch': {
      let seq = 0;
      for (let i = 0; i < n(1024); i++) {
        const reqs = [];
        for (let j = 0; j < 25; j++) reqs.push({ PutRequest: { Item: makeItem(`bw#${pad(seq++, 7)}`, '0000') } });
        out.push({ target: 'BatchWriteItem', body: { RequestItems: { [TABLE]: reqs } } });
      }
      break;
    }
    case 'transact': {
      let seq = 0;
      for (let i = 0; i < n(2048); i++) {
        const items = [];
        for (let j = 0; j < 4; j++) items.push({ Put: { TableName: TABLE, Item: makeItem(`tx#${pad(seq++, 7)}`, '0000') } });
        out.push({ target: 'TransactWriteItems', body: { TransactItems: items } });
      }
      break;
    }
    case 'mix':
      for (let i = 0; i < n(4096); i++) {
        out.push({ target: 'GetItem', body: getBody() });
        out.push({ target: 'PutItem', body: putBody() });
      }
      break;
    default:
      throw new Error(`unknown workload ${name}`);
  }
  return out;
}

/** The bodies of `workloadBodies` as raw signed requests for one server. */
export function buildRequests(port, bodies) {
  const date = requestDate();
  return bodies.map(({ target, body }) => rawRequest(port, target, body, date));
}

/** A BatchWriteItem body of 25 scale items starting at item number `first` (pk s#…, sk 0..9). */
export function scaleBatchBody(first, count = 25) {
  const reqs = [];
  for (let i = first; i < first + count; i++) {
    reqs.push({ PutRequest: { Item: makeItem(`s#${pad(Math.floor(i / 10), 7)}`, String(i % 10)) } });
  }
  return { RequestItems: { [TABLE]: reqs } };
}

/**
 * The same body as `JSON.stringify(scaleBatchBody(first, count))`, built by
 * string templates: the scale run generates 40,000 of these while it
 * measures, and the generator must not be what limits the load rate.
 */
export function scaleBatchJson(first, count = 25) {
  // Scale keys have fixed lengths and ages two digits, so every item has the same filler.
  const bio = makeItem('s#0000000', '0').bio.S;
  const parts = [];
  for (let i = first; i < first + count; i++) {
    const pk = `s#${pad(Math.floor(i / 10), 7)}`;
    const sk = String(i % 10);
    const seed = hashString(pk + sk);
    const id = pk.slice(-6);
    parts.push(
      `{"PutRequest":{"Item":{"pk":{"S":"${pk}"},"sk":{"S":"${sk}"},"name":{"S":"user-${id}-${sk}"},` +
        `"email":{"S":"user${id}.${sk}@example.com"},"age":{"N":"${18 + (seed % 80)}"},"active":{"BOOL":${(seed & 1) === 0}},` +
        `"bio":{"S":"${bio}"}}}}`,
    );
  }
  return `{"RequestItems":{"${TABLE}":[${parts.join(',')}]}}`;
}

/** Scale-run GetItem and Query bodies over the loaded items. */
export function scaleReadBodies(kind, loadedItems) {
  const rand = rng(0x5ca1e);
  const partitions = Math.max(1, Math.floor(loadedItems / 10));
  const out = [];
  for (let i = 0; i < 4096; i++) {
    const p = `s#${pad(Math.floor(rand() * partitions), 7)}`;
    if (kind === 'get') out.push({ target: 'GetItem', body: { TableName: TABLE, Key: key(p, String(Math.floor(rand() * 10))) } });
    else
      out.push({
        target: 'Query',
        body: { TableName: TABLE, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: p } } },
      });
  }
  return out;
}

/** Creates the bench table and waits until it is ACTIVE. Throws with the server's own error text. */
export async function createTable(port, { timeoutMs = 15_000 } = {}) {
  await callOk(port, 'CreateTable', {
    TableName: TABLE,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await call(port, 'DescribeTable', { TableName: TABLE });
    if (res.status === 200 && res.body?.Table?.TableStatus === 'ACTIVE') return;
    if (res.status !== 200 && !/ResourceNotFound/.test(describeError(res.body))) {
      throw new Error(`DescribeTable: HTTP ${res.status} ${describeError(res.body)}`);
    }
    if (Date.now() > deadline) throw new Error(`table not ACTIVE after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Checks that a server really does what a workload asks (one request,
 * answer inspected), so a server that answers 200 with the wrong thing
 * cannot post good numbers. Returns null if fine, else the reason.
 */
export async function checkWorkload(port, name, bodies) {
  const first = bodies[0];
  const res = await call(port, first.target, first.body);
  if (res.status !== 200) return `${first.target}: HTTP ${res.status} ${describeError(res.body)}`;
  const b = res.body ?? {};
  switch (name) {
    case 'get':
      if (!b.Item || itemSize(b.Item) !== ITEM_BYTES) return 'GetItem did not return the seeded 200-byte item';
      break;
    case 'query':
      if (!Array.isArray(b.Items) || b.Items.length !== 10) return `Query returned ${b.Items?.length ?? 'no'} items, expected 10`;
      break;
    case 'batch':
      if (Object.keys(b.UnprocessedItems ?? {}).length) return 'BatchWriteItem left unprocessed items';
      break;
    default:
  }
  return null;
}
