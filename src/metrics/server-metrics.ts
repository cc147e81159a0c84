/**
 * @module metrics/server-metrics
 * DynamoDB's CloudWatch metrics (developer guide, "DynamoDB metrics and
 * dimensions") as Prometheus series, plus openddb's own. docs/metrics.md
 * maps every name to its CloudWatch counterpart.
 *
 * The request path reaches a table's series through one Map lookup by table
 * name (and one more by operation name), made once per table and kept, so
 * recording a request is a few increments with no string building and no
 * allocation. The data plane records what it consumes through the
 * UsageMeter interface (a Database carries one), which is all it knows of
 * this module.
 */
import { Counter, Family, Gauge, Histogram, Registry } from './registry.js';

/** What the data plane and the features above it report as they work. */
export interface UsageMeter {
  /** Read capacity units consumed; `index` names a global secondary index (LSI reads count to the table, as in CloudWatch). */
  read(table: string, units: number, index?: string): void;
  /** Write capacity units consumed; `index` names a global secondary index. */
  write(table: string, units: number, index?: string): void;
  /** Items a Query, Scan or PartiQL SELECT returned. */
  returnedItems(table: string, operation: string, count: number): void;
  /** Items the TTL sweeper deleted. */
  ttlDeleted(table: string, count: number): void;
  /** Stream records written (in the item's commit). */
  streamRecordsWritten(table: string, count: number): void;
  /** A GetRecords answer: its record count, its bytes, and the age of its newest record (ms; undefined when empty). */
  streamRead(table: string, records: number, bytes: number, ageMs: number | undefined): void;
  /** A GSI backfill's progress, 0 to 100. */
  backfillProgress(table: string, index: string, percent: number): void;
}

/** A meter that records nothing: for a Database opened outside a server (tools, unit tests). */
export const NO_METER: UsageMeter = {
  read() {},
  write() {},
  returnedItems() {},
  ttlDeleted() {},
  streamRecordsWritten() {},
  streamRead() {},
  backfillProgress() {},
};

/**
 * Latency buckets in seconds: from 100 µs (a GetItem in memory) to 10 s,
 * about three per decade.
 */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Past this many tables, new names share the series of table `_other`:
 * a client inventing table names cannot grow the registry without bound.
 */
const MAX_TABLES = 10_000;
export const OTHER_TABLE = '_other';

const P = 'openddb_dynamodb_';

/** Series of one (table, operation). */
export class OperationSeries {
  constructor(
    readonly latency: Histogram,
    readonly systemErrors: Counter,
    readonly throttled: Counter,
  ) {}
}

/** Series of one table, made on its first request. */
export class TableSeries {
  readonly operations = new Map<string, OperationSeries>();
  private readonly gsiRead = new Map<string, Counter>();
  private readonly gsiWrite = new Map<string, Counter>();
  private readonly returned = new Map<string, Counter>();
  readonly readUnits: Counter;
  readonly writeUnits: Counter;
  readonly conditionalCheckFailed: Counter;
  readonly transactionConflict: Counter;
  readonly ttlDeleted: Counter;
  readonly streamRecordsWritten: Counter;

  constructor(
    private readonly m: ServerMetrics,
    readonly name: string,
  ) {
    this.readUnits = m.consumedRead.series(name, '');
    this.writeUnits = m.consumedWrite.series(name, '');
    this.conditionalCheckFailed = m.conditionalCheckFailed.series(name);
    this.transactionConflict = m.transactionConflict.series(name);
    this.ttlDeleted = m.ttlDeletedItemCount.series(name);
    this.streamRecordsWritten = m.streamRecords.series(name);
  }

  operation(op: string): OperationSeries {
    let s = this.operations.get(op);
    if (s === undefined) {
      const m = this.m;
      s = new OperationSeries(m.latency.series(this.name, op), m.systemErrors.series(this.name, op), m.throttled.series(this.name, op));
      this.operations.set(op, s);
    }
    return s;
  }

  gsiReadUnits(index: string): Counter {
    return cached(this.gsiRead, index, () => this.m.consumedRead.series(this.name, index));
  }

  gsiWriteUnits(index: string): Counter {
    return cached(this.gsiWrite, index, () => this.m.consumedWrite.series(this.name, index));
  }

  returnedItems(op: string): Counter {
    return cached(this.returned, op, () => this.m.returnedItemCount.series(this.name, op));
  }
}

function cached<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

export class ServerMetrics implements UsageMeter {
  readonly registry: Registry;
  private readonly tables = new Map<string, TableSeries>();

  readonly latency: Family<'histogram'>;
  readonly systemErrors: Family<'counter'>;
  readonly throttled: Family<'counter'>;
  readonly userErrors: Counter;
  readonly consumedRead: Family<'counter'>;
  readonly consumedWrite: Family<'counter'>;
  readonly returnedItemCount: Family<'counter'>;
  readonly returnedRecordsCount: Family<'counter'>;
  readonly returnedBytes: Family<'counter'>;
  readonly conditionalCheckFailed: Family<'counter'>;
  readonly transactionConflict: Family<'counter'>;
  readonly ttlDeletedItemCount: Family<'counter'>;
  readonly indexProgress: Family<'gauge'>;
  readonly streamRecords: Family<'counter'>;
  readonly streamReaderLag: Family<'gauge'>;

  constructor(constLabels: Readonly<Record<string, string>> = {}) {
    const r = (this.registry = new Registry(constLabels));
    this.latency = r.histogram(
      `${P}successful_request_latency_seconds`,
      'SuccessfulRequestLatency: time to answer a successful request, from its arrival to its answer',
      ['table', 'operation'],
      LATENCY_BUCKETS,
    );
    this.consumedRead = r.counter(
      `${P}consumed_read_capacity_units_total`,
      'ConsumedReadCapacityUnits: read units consumed, whether or not the client asked for ReturnConsumedCapacity',
      ['table', 'global_secondary_index'],
    );
    this.consumedWrite = r.counter(
      `${P}consumed_write_capacity_units_total`,
      'ConsumedWriteCapacityUnits: write units consumed, whether or not the client asked for ReturnConsumedCapacity',
      ['table', 'global_secondary_index'],
    );
    this.returnedItemCount = r.counter(
      `${P}returned_item_count_total`,
      'ReturnedItemCount: items returned by Query, Scan and PartiQL SELECT',
      ['table', 'operation'],
    );
    this.returnedRecordsCount = r.counter(
      `${P}returned_records_count_total`,
      'ReturnedRecordsCount: stream records returned by GetRecords',
      ['table', 'operation'],
    );
    this.returnedBytes = r.counter(
      `${P}returned_bytes_total`,
      'ReturnedBytes: bytes of stream records returned by GetRecords',
      ['table', 'operation'],
    );
    this.conditionalCheckFailed = r.counter(
      `${P}conditional_check_failed_requests_total`,
      'ConditionalCheckFailedRequests: single-item writes refused by their condition',
      ['table'],
    );
    this.transactionConflict = r.counter(
      `${P}transaction_conflict_total`,
      'TransactionConflict: requests refused because a transaction held an item they touch',
      ['table'],
    );
    this.userErrors = r.counter(
      `${P}user_errors_total`,
      'UserErrors: requests answered with HTTP 400, except conditional check failures and throttling',
    ).series();
    this.systemErrors = r.counter(`${P}system_errors_total`, 'SystemErrors: requests answered with HTTP 500', ['table', 'operation']);
    this.throttled = r.counter(
      `${P}throttled_requests_total`,
      'ThrottledRequests: always 0, openddb does not throttle (yet)',
      ['table', 'operation'],
    );
    this.ttlDeletedItemCount = r.counter(
      `${P}time_to_live_deleted_item_count_total`,
      'TimeToLiveDeletedItemCount: items deleted by the TTL sweeper',
      ['table'],
    );
    this.indexProgress = r.gauge(
      `${P}online_index_percentage_progress`,
      'OnlineIndexPercentageProgress: a global secondary index backfill, percent done',
      ['table', 'global_secondary_index'],
    );
    this.streamRecords = r.counter('openddb_stream_records_written_total', 'Stream records written, each in its item change\'s commit', ['table']);
    this.streamReaderLag = r.gauge(
      'openddb_stream_reader_lag_seconds',
      'Age of the newest record in the latest non-empty GetRecords answer (like Kinesis IteratorAge)',
      ['table'],
    );
  }

  /** The series of a table; past MAX_TABLES distinct names, the shared `_other` ones. */
  table(name: string): TableSeries {
    let s = this.tables.get(name);
    if (s === undefined) {
      if (this.tables.size >= MAX_TABLES && name !== OTHER_TABLE) return this.table(OTHER_TABLE);
      s = new TableSeries(this, name);
      this.tables.set(name, s);
    }
    return s;
  }

  read(table: string, units: number, index?: string): void {
    const t = this.table(table);
    (index === undefined ? t.readUnits : t.gsiReadUnits(index)).value += units;
  }

  write(table: string, units: number, index?: string): void {
    const t = this.table(table);
    (index === undefined ? t.writeUnits : t.gsiWriteUnits(index)).value += units;
  }

  returnedItems(table: string, operation: string, count: number): void {
    this.table(table).returnedItems(operation).value += count;
  }

  ttlDeleted(table: string, count: number): void {
    this.table(table).ttlDeleted.value += count;
  }

  streamRecordsWritten(table: string, count: number): void {
    this.table(table).streamRecordsWritten.value += count;
  }

  streamRead(table: string, records: number, bytes: number, ageMs: number | undefined): void {
    const name = this.table(table).name;
    this.returnedRecordsCount.series(name, 'GetRecords').value += records;
    this.returnedBytes.series(name, 'GetRecords').value += bytes;
    if (ageMs !== undefined) this.streamReaderLag.series(name).set(Math.max(0, ageMs) / 1000);
  }

  backfillProgress(table: string, index: string, percent: number): void {
    this.indexProgress.series(this.table(table).name, index).set(percent);
  }

  /** A gauge family for openddb's process and storage, sampled at each scrape. */
  gauge(name: string, help: string): Gauge {
    return this.registry.gauge(name, help).series();
  }
}
