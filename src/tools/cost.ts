/**
 * @module tools/cost
 * `openddb cost`: reads what an openddb server measured (GET /metrics:
 * consumed read/write units per table and GSI, GetRecords calls, uptime)
 * and what its tables hold (DescribeTable sizes, PITR, backups), and prints
 * the monthly DynamoDB bill for on-demand and provisioned modes
 * (tools/cost-estimate). The window is the server's uptime, or
 * `--sample SECONDS` between two scrapes.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ApiError, DEFAULT_ENDPOINT, DynamoClient, clientOptionsFromEnv, describeError, sleep } from './client.js';
import { estimate, formatEstimate, type TableUsage } from './cost-estimate.js';
import { DEFAULT_PRICES, checkPriceTable, type PriceTable } from './prices.js';

export const COST_USAGE = `usage: openddb cost [--endpoint URL] [--region REGION] [--pricing-region REGION] [--table NAME]... [--json]
                    [--sample SECONDS | --window SECONDS] [--multiplier N] [--utilization 0.7]
                    [--prices FILE] [--print-prices]`;

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Prometheus text → samples (comments skipped). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[4]) });
  }
  return out;
}

/** What the tool needs of one scrape. */
export interface Measured {
  readonly uptimeSeconds: number;
  /** table → units (table and GSIs together). */
  readonly reads: Map<string, number>;
  readonly writes: Map<string, number>;
  readonly getRecords: number;
}

export function measured(samples: readonly Sample[]): Measured {
  const reads = new Map<string, number>();
  const writes = new Map<string, number>();
  let uptimeSeconds = 0;
  let getRecords = 0;
  for (const s of samples) {
    const table = s.labels.table;
    if (s.name === 'openddb_dynamodb_consumed_read_capacity_units_total' && table !== undefined) reads.set(table, (reads.get(table) ?? 0) + s.value);
    else if (s.name === 'openddb_dynamodb_consumed_write_capacity_units_total' && table !== undefined) writes.set(table, (writes.get(table) ?? 0) + s.value);
    else if (s.name === 'openddb_process_uptime_seconds') uptimeSeconds = s.value;
    else if (s.name === 'openddb_dynamodb_successful_request_latency_seconds_count' && s.labels.operation === 'GetRecords') getRecords += s.value;
  }
  return { uptimeSeconds, reads, writes, getRecords };
}

function difference(after: Measured, before: Measured): Measured {
  const minus = (a: Map<string, number>, b: Map<string, number>) => new Map([...a].map(([k, v]) => [k, v - (b.get(k) ?? 0)]));
  return {
    uptimeSeconds: after.uptimeSeconds - before.uptimeSeconds,
    reads: minus(after.reads, before.reads),
    writes: minus(after.writes, before.writes),
    getRecords: after.getRecords - before.getRecords,
  };
}

async function scrape(endpoint: string): Promise<Measured> {
  const url = new URL('/metrics', endpoint);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url.href} answered HTTP ${response.status}: openddb cost reads an openddb server's metrics`);
  return measured(parseMetrics(await response.text()));
}

export async function runCost(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        endpoint: { type: 'string', default: DEFAULT_ENDPOINT },
        region: { type: 'string' },
        'pricing-region': { type: 'string' },
        table: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        sample: { type: 'string' },
        window: { type: 'string' },
        multiplier: { type: 'string' },
        utilization: { type: 'string', default: '0.7' },
        prices: { type: 'string' },
        'print-prices': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`openddb cost: ${(e as Error).message}\n${COST_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${COST_USAGE}\n`);
    return 0;
  }
  if (values['print-prices']) {
    process.stdout.write(`${JSON.stringify(DEFAULT_PRICES, null, 2)}\n`);
    return 0;
  }
  const positive = (v: string | undefined, flag: string): number | undefined | string => {
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n > 0 ? n : `${flag} must be a positive number, not '${v}'`;
  };
  const sample = positive(values.sample, '--sample');
  const window = positive(values.window, '--window');
  const multiplier = positive(values.multiplier, '--multiplier');
  const utilization = positive(values.utilization, '--utilization');
  for (const v of [sample, window, multiplier, utilization]) {
    if (typeof v === 'string') {
      process.stderr.write(`openddb cost: ${v}\n`);
      return 2;
    }
  }
  if (typeof utilization === 'number' && utilization > 1) {
    process.stderr.write('openddb cost: --utilization is a fraction from 0 to 1\n');
    return 2;
  }
  try {
    let prices: PriceTable = DEFAULT_PRICES;
    if (values.prices !== undefined) {
      const loaded = JSON.parse(await readFile(values.prices, 'utf8')) as unknown;
      const problem = checkPriceTable(loaded);
      if (problem !== undefined) throw new Error(`${values.prices}: ${problem}`);
      prices = { ...DEFAULT_PRICES, ...(loaded as PriceTable) };
    }
    const client = new DynamoClient(clientOptionsFromEnv(values.endpoint, values.region));
    let m: Measured;
    if (typeof sample === 'number') {
      const before = await scrape(values.endpoint);
      await sleep(sample * 1000);
      m = difference(await scrape(values.endpoint), before);
    } else m = await scrape(values.endpoint);
    const windowSeconds = (window as number | undefined) ?? m.uptimeSeconds;
    const names = values.table ?? (await listTables(client));
    const tables: TableUsage[] = [];
    for (const name of names) tables.push(await usage(client, name, m));
    const result = estimate(
      { windowSeconds, tables, streamReadRequests: m.getRecords, ...(multiplier !== undefined ? { multiplier: multiplier as number } : {}), utilization: utilization as number },
      prices,
      // The tables are the signing region's; their prices may be asked of another.
      values['pricing-region'] ?? client.region,
    );
    process.stdout.write(values.json ? `${JSON.stringify({ ...result, currency: prices.currency, pricesAsOf: prices.asOf }, null, 2)}\n` : formatEstimate(result, prices));
    return 0;
  } catch (e) {
    process.stderr.write(`openddb cost: ${describeError(e)}\n`);
    return 1;
  }
}

async function listTables(client: DynamoClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const page: { TableNames?: string[]; LastEvaluatedTableName?: string } = await client.call('ListTables', start === undefined ? {} : { ExclusiveStartTableName: start });
    names.push(...(page.TableNames ?? []));
    start = page.LastEvaluatedTableName;
  } while (start !== undefined);
  return names;
}

async function usage(client: DynamoClient, table: string, m: Measured): Promise<TableUsage> {
  const { Table } = await client.call<{
    Table: {
      TableSizeBytes?: number;
      BillingModeSummary?: { BillingMode?: string };
      TableClassSummary?: { TableClass?: string };
      GlobalSecondaryIndexes?: { IndexSizeBytes?: number }[];
    };
  }>('DescribeTable', { TableName: table });
  let pitr = false;
  try {
    const b = await client.call<{ ContinuousBackupsDescription?: { PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string } } }>('DescribeContinuousBackups', { TableName: table });
    pitr = b.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED';
  } catch (e) {
    if (!(e instanceof ApiError) || e.status >= 500) throw e;
  }
  let backupBytes = 0;
  try {
    let start: string | undefined;
    do {
      const page: { BackupSummaries?: { BackupSizeBytes?: number }[]; LastEvaluatedBackupArn?: string } = await client.call('ListBackups', {
        TableName: table,
        ...(start !== undefined ? { ExclusiveStartBackupArn: start } : {}),
      });
      for (const b of page.BackupSummaries ?? []) backupBytes += b.BackupSizeBytes ?? 0;
      start = page.LastEvaluatedBackupArn;
    } while (start !== undefined);
  } catch (e) {
    // A server without backups (ListBackups unknown) has none to bill.
    if (!(e instanceof ApiError) || e.status >= 500) throw e;
  }
  const storageBytes = (Table.TableSizeBytes ?? 0) + (Table.GlobalSecondaryIndexes ?? []).reduce((s, g) => s + (g.IndexSizeBytes ?? 0), 0);
  return {
    table,
    billingMode: Table.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED',
    tableClass: Table.TableClassSummary?.TableClass === 'STANDARD_INFREQUENT_ACCESS' ? 'STANDARD_INFREQUENT_ACCESS' : 'STANDARD',
    readUnits: m.reads.get(table) ?? 0,
    writeUnits: m.writes.get(table) ?? 0,
    storageBytes,
    pitr,
    backupBytes,
  };
}
