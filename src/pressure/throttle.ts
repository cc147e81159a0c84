/**
 * @module pressure/throttle
 * DynamoDB's capacity model as token buckets (docs/pressure.md, "Throttling"):
 *
 * - A provisioned table has a read and a write bucket filled at its
 *   Read/WriteCapacityUnits per second, holding up to BURST_SECONDS of
 *   unused capacity (DynamoDB's burst capacity). Each provisioned GSI has
 *   its own pair; LSIs share the table's. A write that changes a GSI entry
 *   charges the GSI's bucket too, and is refused when the GSI's bucket is
 *   empty ("… for one or more global secondary indexes …").
 * - DynamoDB splits a table into partitions of at most 3,000 RCU, 1,000 WCU
 *   (and 10 GB). A single-item request also draws on its partition's bucket
 *   (the item's partition: the partition-key hash's share of 2³²), which
 *   holds at most 3,000 RCU / 1,000 WCU a second. Adaptive capacity lets a
 *   hot partition use the table's unused capacity at once, so a partition
 *   is not held to its even share (rate / partitions), only to that
 *   maximum and to the table's own bucket.
 * - An on-demand table has no provisioned rate: it is limited per
 *   partition-key value (3,000 RCU / 1,000 WCU: one key always lives in one
 *   partition), by the per-table account quota (40,000 each) and by its
 *   own OnDemandThroughput maximums (table and each GSI), each with one
 *   second of burst; it answers ThrottlingException.
 *
 * A request is admitted when every bucket it draws on holds at least the
 * request's smallest possible cost (a read: 1 unit, 0.5 eventually
 * consistent; a write: 1); once it ran, what it really consumed (the units
 * ReturnConsumedCapacity reports) is taken, which may leave a bucket in
 * debt that later requests wait out, as DynamoDB does with a large Query.
 *
 * Several processes (`--workers N`, servers over one store): each process
 * enforces its share, capacity / `processes` (docs/pressure.md).
 */
import type { IndexRecord, TableRecord } from '../catalog/table-record.js';

/** DynamoDB keeps up to five minutes of unused capacity. */
export const BURST_SECONDS = 300;
export const PARTITION_READ_UNITS = 3000;
export const PARTITION_WRITE_UNITS = 1000;
/** The default per-table quota of an on-demand table (Service Quotas, "Table-level read/write throughput"). */
export const ON_DEMAND_TABLE_UNITS = 40_000;
/** Per-key buckets kept before the oldest are forgotten (a full bucket needs no memory). */
const MAX_KEY_BUCKETS = 10_000;

export class TokenBucket {
  tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private capacity: number,
    now: number,
    initial: number,
  ) {
    this.tokens = initial;
    this.last = now;
  }

  /** Adds what accrued since the last look, up to capacity; follows a changed rate. */
  refill(now: number, rate: number, capacity: number): number {
    this.rate = rate;
    this.capacity = capacity;
    const elapsed = (now - this.last) / 1000;
    this.last = now;
    if (elapsed > 0) this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.rate);
    else if (this.tokens > this.capacity) this.tokens = this.capacity;
    return this.tokens;
  }
}

export type Access = 'read' | 'write';

/** Why a bucket refused: which resource, for the error and its ThrottlingReasons. */
export interface Refusal {
  readonly onDemand: boolean;
  /** The refusing GSI, or undefined for the table (or its partition / key). */
  readonly index: string | undefined;
  readonly access: Access;
  readonly limit: 'ProvisionedThroughputExceeded' | 'KeyRangeThroughputExceeded' | 'AccountLimitExceeded' | 'MaxOnDemandThroughputExceeded';
}

/** One bucket a request draws on, with its rate and burst, resolved for now. */
interface Draw {
  readonly bucket: TokenBucket;
  readonly refusal: Refusal;
}

/** DynamoDB splits a partition past this size. */
export const PARTITION_BYTES = 10 * 1024 ** 3;

/** The partitions DynamoDB would give a provisioned table of this throughput and size. */
export function partitionCount(read: number, write: number, sizeBytes = 0): number {
  return Math.max(1, Math.ceil(read / PARTITION_READ_UNITS), Math.ceil(write / PARTITION_WRITE_UNITS), Math.ceil(sizeBytes / PARTITION_BYTES));
}

export class Throttle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly now: () => number,
    /** The share of capacity this process enforces: 1 / processes. */
    private readonly share: () => number,
    private readonly burstSeconds: () => number,
    /** The table's (or index's) size in bytes as last counted; 0 when unknown. */
    private readonly sizeOf: (table: TableRecord, index: IndexRecord | undefined) => number = () => 0,
  ) {}

  /** Forgets every bucket (the admin endpoint's reset, a changed share). */
  clear(): void {
    this.buckets.clear();
  }

  /**
   * The buckets a request on `table` (or its GSI `index`) draws on. `hash`
   * is the partition-key hash of a single-item request.
   */
  private draws(table: TableRecord, index: IndexRecord | undefined, access: Access, hash: number | undefined): Draw[] {
    const now = this.now();
    const share = this.share();
    const out: Draw[] = [];
    if (table.billingMode === 'PAY_PER_REQUEST') {
      // The table's (or GSI's) own OnDemandThroughput maximum, checked first: the most specific reason.
      const max = (index === undefined ? table.onDemandMax : index.onDemandMax)?.[access];
      if (max !== undefined) {
        out.push(this.draw(`${table.id}/${index?.id ?? 0}/${access}/max`, max * share, 1, now, {
          onDemand: true,
          index: index?.name,
          access,
          limit: 'MaxOnDemandThroughputExceeded',
        }));
      }
      out.push(this.draw(`${table.id}/${index?.id ?? 0}/${access}`, ON_DEMAND_TABLE_UNITS * share, 1, now, {
        onDemand: true,
        index: index?.name,
        access,
        limit: 'AccountLimitExceeded',
      }));
      if (hash !== undefined) {
        const cap = access === 'read' ? PARTITION_READ_UNITS : PARTITION_WRITE_UNITS;
        out.push(this.draw(`${table.id}/${index?.id ?? 0}/${access}/k${hash}`, cap * share, 1, now, {
          onDemand: true,
          index: index?.name,
          access,
          limit: 'KeyRangeThroughputExceeded',
        }));
      }
      return out;
    }
    const throughput = index === undefined ? table.throughput : (index.throughput ?? table.throughput);
    const rate = (access === 'read' ? throughput.read : throughput.write) * share;
    const burst = this.burstSeconds();
    const refusal: Refusal = { onDemand: false, index: index?.name, access, limit: 'ProvisionedThroughputExceeded' };
    out.push(this.draw(`${table.id}/${index?.id ?? 0}/${access}`, rate, burst, now, refusal));
    const partitions = partitionCount(throughput.read, throughput.write, this.sizeOf(table, index));
    if (hash !== undefined && partitions > 1) {
      const partition = Math.floor((hash / 4294967296) * partitions);
      const cap = access === 'read' ? PARTITION_READ_UNITS : PARTITION_WRITE_UNITS;
      // Adaptive capacity (developer guide, "burst and adaptive capacity"): a hot partition may use the
      // table's unused capacity at once, up to the partition's maximum, rather than only its even share.
      out.push(this.draw(`${table.id}/${index?.id ?? 0}/${access}/p${partition}`, Math.min(rate, cap * share), burst, now, refusal));
    }
    return out;
  }

  private draw(key: string, rate: number, burstSeconds: number, now: number, refusal: Refusal): Draw {
    const capacity = Math.max(rate * burstSeconds, rate, 1);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_KEY_BUCKETS) this.forgetFull(now);
      // A new bucket holds one second's worth: a table has no unused capacity banked yet.
      bucket = new TokenBucket(rate, capacity, now, Math.max(rate, 1));
      this.buckets.set(key, bucket);
    } else {
      bucket.refill(now, rate, capacity);
    }
    return { bucket, refusal };
  }

  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      bucket.refill(now, 0, bucket.tokens);
      if (key.includes('/k')) this.buckets.delete(key);
    }
  }

  /**
   * Whether `units` (the request's smallest cost) are available on every
   * bucket the request draws on; the refusal of the first that is short.
   * Takes nothing: charge() takes what the request consumed.
   */
  admit(table: TableRecord, index: IndexRecord | undefined, access: Access, units: number, hash?: number): Refusal | undefined {
    for (const { bucket, refusal } of this.draws(table, index, access, hash)) {
      if (bucket.tokens < units) return refusal;
    }
    return undefined;
  }

  /** Takes consumed units from every bucket the request drew on. */
  charge(table: TableRecord, index: IndexRecord | undefined, access: Access, units: number, hash?: number): void {
    for (const { bucket } of this.draws(table, index, access, hash)) bucket.tokens -= units;
  }

  /** Admits and at once charges `units`: for a batch's members, each taking its place in line. */
  take(table: TableRecord, index: IndexRecord | undefined, access: Access, units: number, hash?: number): Refusal | undefined {
    const draws = this.draws(table, index, access, hash);
    for (const { bucket, refusal } of draws) if (bucket.tokens < units) return refusal;
    for (const { bucket } of draws) bucket.tokens -= units;
    return undefined;
  }
}
