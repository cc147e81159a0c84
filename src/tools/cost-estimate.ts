/**
 * @module tools/cost-estimate
 * The arithmetic of `openddb cost` (pure): measured consumed capacity over a
 * window, scaled to a month (730 hours, as AWS prices a month), priced for
 * on-demand (request units) and for provisioned capacity (the average rate
 * over a target utilization, at least 1 unit, for every hour of the month),
 * plus storage, PITR, on-demand backups and stream reads.
 */
import type { PriceTable, RegionPrices } from './prices.js';

export const HOURS_PER_MONTH = 730;
const GB = 1024 ** 3;

/** What was measured of one table. */
export interface TableUsage {
  readonly table: string;
  readonly billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  readonly tableClass: 'STANDARD' | 'STANDARD_INFREQUENT_ACCESS';
  /** Read and write units consumed in the window: the table's and its GSIs'. */
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Table plus GSI sizes (DescribeTable). */
  readonly storageBytes: number;
  readonly pitr: boolean;
  readonly backupBytes: number;
}

export interface EstimateInput {
  readonly windowSeconds: number;
  /** Window → month; default HOURS_PER_MONTH·3600 / windowSeconds. */
  readonly multiplier?: number;
  /** Provisioned capacity is the average rate over this (autoscaling's target), default 0.7. */
  readonly utilization?: number;
  readonly tables: readonly TableUsage[];
  /** GetRecords calls in the window (stream read request units), all tables. */
  readonly streamReadRequests: number;
}

export interface TableEstimate {
  readonly table: string;
  readonly billingMode: string;
  readonly monthlyReadUnits: number;
  readonly monthlyWriteUnits: number;
  readonly storageGb: number;
  readonly onDemand: { readonly reads: number; readonly writes: number; readonly total: number };
  readonly provisioned: { readonly rcu: number; readonly wcu: number; readonly reads: number; readonly writes: number; readonly total: number };
  readonly storage: number;
  readonly pitr: number;
  readonly backups: number;
  /** Under the table's own billing mode: capacity + storage + PITR + backups. */
  readonly current: number;
}

export interface Estimate {
  readonly region: string;
  readonly windowSeconds: number;
  readonly multiplier: number;
  readonly tables: readonly TableEstimate[];
  readonly streams: { readonly monthlyReadRequests: number; readonly cost: number };
  readonly totals: { readonly onDemand: number; readonly provisioned: number; readonly current: number };
}

export function estimate(input: EstimateInput, prices: PriceTable, region: string): Estimate {
  const rp: RegionPrices | undefined = prices.regions[region];
  if (rp === undefined) throw new Error(`no prices for region ${region} (the price table has ${Object.keys(prices.regions).join(', ')}); pass --prices FILE`);
  if (!(input.windowSeconds > 0)) throw new Error('the measured window is empty');
  const multiplier = input.multiplier ?? (HOURS_PER_MONTH * 3600) / input.windowSeconds;
  const utilization = input.utilization ?? 0.7;
  const tables = input.tables.map((t): TableEstimate => {
    const p = t.tableClass === 'STANDARD_INFREQUENT_ACCESS' ? rp.standardInfrequentAccess : rp.standard;
    const monthlyReadUnits = t.readUnits * multiplier;
    const monthlyWriteUnits = t.writeUnits * multiplier;
    const reads = (monthlyReadUnits / 1e6) * p.readRequestPerMillion;
    const writes = (monthlyWriteUnits / 1e6) * p.writeRequestPerMillion;
    // The average rate per second over the month, over the target utilization.
    const secondsPerMonth = HOURS_PER_MONTH * 3600;
    const rcu = Math.max(1, Math.ceil(monthlyReadUnits / secondsPerMonth / utilization));
    const wcu = Math.max(1, Math.ceil(monthlyWriteUnits / secondsPerMonth / utilization));
    const pReads = rcu * HOURS_PER_MONTH * p.rcuHour;
    const pWrites = wcu * HOURS_PER_MONTH * p.wcuHour;
    const storageGb = t.storageBytes / GB;
    const storage = storageGb * p.storageGbMonth;
    const pitr = t.pitr ? storageGb * rp.pitrGbMonth : 0;
    const backups = (t.backupBytes / GB) * rp.backupGbMonth;
    const onDemandTotal = reads + writes;
    const provisionedTotal = pReads + pWrites;
    return {
      table: t.table,
      billingMode: t.billingMode,
      monthlyReadUnits,
      monthlyWriteUnits,
      storageGb,
      onDemand: { reads, writes, total: onDemandTotal },
      provisioned: { rcu, wcu, reads: pReads, writes: pWrites, total: provisionedTotal },
      storage,
      pitr,
      backups,
      current: (t.billingMode === 'PROVISIONED' ? provisionedTotal : onDemandTotal) + storage + pitr + backups,
    };
  });
  const monthlyReadRequests = input.streamReadRequests * multiplier;
  const streamCost = (monthlyReadRequests / 1e6) * rp.streamReadRequestPerMillion;
  const fixed = tables.reduce((s, t) => s + t.storage + t.pitr + t.backups, 0) + streamCost;
  return {
    region,
    windowSeconds: input.windowSeconds,
    multiplier,
    tables,
    streams: { monthlyReadRequests, cost: streamCost },
    totals: {
      onDemand: tables.reduce((s, t) => s + t.onDemand.total, 0) + fixed,
      provisioned: tables.reduce((s, t) => s + t.provisioned.total, 0) + fixed,
      current: tables.reduce((s, t) => s + t.current, 0) + streamCost,
    },
  };
}

/** Dollars: cents from $1, four decimals below (a test server's traffic costs fractions of a cent). */
function money(n: number): string {
  return `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
}

function units(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** The estimate as a table for the terminal. */
export function formatEstimate(e: Estimate, prices: PriceTable): string {
  const header = ['TABLE', 'MODE', 'READ RU/MO', 'WRITE RU/MO', 'STORAGE GB', 'ON-DEMAND', 'PROVISIONED (RCU/WCU)', 'STORAGE', 'PITR+BACKUP', 'AS BILLED'];
  const rows = e.tables.map((t) => [
    t.table,
    t.billingMode,
    units(t.monthlyReadUnits),
    units(t.monthlyWriteUnits),
    t.storageGb.toFixed(3),
    money(t.onDemand.total),
    `${money(t.provisioned.total)} (${t.provisioned.rcu}/${t.provisioned.wcu})`,
    money(t.storage),
    money(t.pitr + t.backups),
    money(t.current),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const hours = e.windowSeconds / 3600;
  const out = [
    `DynamoDB monthly estimate, ${e.region}, prices ${prices.currency} as of ${prices.asOf}`,
    `measured window ${hours >= 1 ? `${hours.toFixed(2)} h` : `${e.windowSeconds.toFixed(0)} s`}, × ${e.multiplier.toFixed(1)} for a month of ${HOURS_PER_MONTH} h`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `streams: ${units(e.streams.monthlyReadRequests)} read request units/month  ${money(e.streams.cost)}`,
    `total per month: all on-demand ${money(e.totals.onDemand)}, all provisioned ${money(e.totals.provisioned)}, as the tables are billed now ${money(e.totals.current)}`,
    'Provisioned assumes steady traffic at 70 % utilization (--utilization); peaks need more. Free tiers are not subtracted.',
  ];
  return `${out.join('\n')}\n`;
}
