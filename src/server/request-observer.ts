/**
 * @module server/request-observer
 * What the HTTP edge records about each DynamoDB request once it is
 * answered: its latency and outcome in the metrics (metrics/server-metrics)
 * and, for an error or a slow request, one structured log line.
 *
 * A log line is one JSON object: time, level, msg, requestId, operation,
 * table, status, errorType, durationMs (and the stack of an internal
 * error). It never carries a request's body, headers or credentials:
 * an error's message can quote a client's values, so only its type goes
 * out. Levels, most to least severe: error (HTTP 500s), warn (slow
 * requests), info (every client error), debug (every request).
 */
import { performance } from 'node:perf_hooks';
import type { DynamoError } from '../errors/index.js';
import type { ServerMetrics, TableSeries } from '../metrics/server-metrics.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface ObserverOptions {
  readonly metrics: ServerMetrics;
  readonly log: (line: string) => void;
  /** Default 'warn'. */
  readonly logLevel?: LogLevel;
  /** A request that takes at least this long is logged at warn; default 1000. */
  readonly slowMs?: number;
}

const CONDITIONAL_CHECK_FAILED = 'ConditionalCheckFailedException';
const TRANSACTION_CONFLICT = 'TransactionConflictException';
const THROTTLING = ['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'];

export class RequestObserver {
  readonly metrics: ServerMetrics;
  private readonly log: (line: string) => void;
  private readonly rank: number;
  private readonly slowMs: number;
  /** The last table's series, kept: most traffic goes to one table. */
  private lastTable: TableSeries | undefined;

  constructor(options: ObserverOptions) {
    this.metrics = options.metrics;
    this.log = options.log;
    this.rank = RANK[options.logLevel ?? 'warn'];
    this.slowMs = options.slowMs ?? 1000;
  }

  /** The clock requests are timed with (milliseconds, monotonic). */
  now(): number {
    return performance.now();
  }

  /** A request the operation answered. */
  succeeded(operation: string, input: unknown, started: number, requestId: string): void {
    const ms = performance.now() - started;
    const table = tableOf(input);
    this.seriesOf(table).operation(operation).latency.observe(ms / 1000);
    if (ms >= this.slowMs ? this.rank >= 1 : this.rank >= 3) {
      this.write(ms >= this.slowMs ? 'warn' : 'debug', ms >= this.slowMs ? 'slow request' : 'request', requestId, operation, table, 200, undefined, ms);
    }
  }

  /**
   * A request answered with a DynamoDB error, before or by its operation
   * (`operation` undefined: the target was unknown).
   */
  failed(operation: string | undefined, input: unknown, error: DynamoError, started: number, requestId: string): void {
    const ms = performance.now() - started;
    const status = error.statusCode;
    const shortType = error.shortType;
    const table = tableOf(input);
    if (status >= 500) {
      this.seriesOf(table).operation(operation ?? '').systemErrors.value++;
    } else if (shortType === CONDITIONAL_CHECK_FAILED) {
      this.seriesOf(table).conditionalCheckFailed.value++;
    } else if (THROTTLING.includes(shortType)) {
      this.seriesOf(table).operation(operation ?? '').throttled.value++;
    } else {
      // Counted by table only when the table could be a real one; UserErrors itself has no dimension.
      if (shortType === TRANSACTION_CONFLICT) this.seriesOf(table).transactionConflict.value++;
      else if (shortType === 'TransactionCanceledException' && hasConflictReason(error)) this.seriesOf(table).transactionConflict.value++;
      this.metrics.userErrors.value++;
    }
    const level: LogLevel = status >= 500 ? 'error' : ms >= this.slowMs ? 'warn' : 'info';
    if (this.rank >= RANK[level]) this.write(level, status >= 500 ? 'request failed' : ms >= this.slowMs ? 'slow request' : 'client error', requestId, operation, table, status, shortType, ms);
  }

  /** An unexpected exception: answered as InternalServerError. */
  crashed(operation: string | undefined, input: unknown, error: unknown, started: number, requestId: string): void {
    const ms = performance.now() - started;
    const table = tableOf(input);
    this.seriesOf(table).operation(operation ?? '').systemErrors.value++;
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.write('error', 'internal error', requestId, operation, table, 500, 'InternalServerError', ms, stack);
  }

  private seriesOf(table: string): TableSeries {
    const last = this.lastTable;
    if (last !== undefined && last.name === table) return last;
    return (this.lastTable = this.metrics.table(table));
  }

  private write(
    level: LogLevel,
    msg: string,
    requestId: string,
    operation: string | undefined,
    table: string,
    status: number,
    errorType: string | undefined,
    ms: number,
    stack?: string,
  ): void {
    const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg, requestId };
    if (operation !== undefined) line.operation = operation;
    if (table !== '') line.table = table;
    line.status = status;
    if (errorType !== undefined) line.errorType = errorType;
    line.durationMs = Math.round(ms * 1000) / 1000;
    if (stack !== undefined) line.stack = stack;
    this.log(JSON.stringify(line));
  }
}

/**
 * The table a request names: its TableName (a table ARN reduced to its
 * name). Requests over several tables (batches, transactions) or none
 * (ListTables, streams) give ''.
 */
export function tableOf(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const name = (input as { TableName?: unknown }).TableName;
  if (typeof name !== 'string') return '';
  if (name.length > 4 && name.startsWith('arn:')) {
    const slash = name.indexOf(':table/');
    return slash === -1 ? '' : name.slice(slash + 7);
  }
  // A name no table could have (DynamoDB allows 3–255 of [A-Za-z0-9_.-]) is not worth a series.
  return name.length <= 255 ? name : '';
}

function hasConflictReason(error: DynamoError): boolean {
  const reasons = error.extra?.CancellationReasons;
  return Array.isArray(reasons) && reasons.some((r) => (r as { Code?: unknown } | null)?.Code === 'TransactionConflict');
}
