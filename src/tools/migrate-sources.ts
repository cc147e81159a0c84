/**
 * @module tools/migrate-sources
 * The sources `openddb migrate` reads: PostgreSQL (a table or a query),
 * SQLite (a table or a query), CSV, JSON Lines (plain objects, or DynamoDB
 * JSON `{"Item":{…}}` lines as `openddb dump` and DynamoDB's export write
 * them), Parquet, and another DynamoDB endpoint (a parallel Scan).
 *
 * Every source yields rows in an order it can repeat, each with a position
 * to resume after it: rows consumed so far for the ordered sources; for a
 * DynamoDB scan, per segment (a "lane"), the start key of the row's page
 * (resuming re-copies at most one page per segment, which writes the same
 * items again: harmless).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { AttributeValue, Item } from '../values/index.js';
import { ApiError, DynamoClient } from './client.js';
import { MappingError, Timestamp, fromJs, fromPostgres, inferFromText, parseExactJson, type MappingOptions } from './type-mapping.js';

export interface SourceRow {
  /** Column (or attribute) name → value; undefined: left out. */
  readonly columns: Record<string, AttributeValue | undefined>;
  readonly lane: number;
  /** Where to resume to skip this row and those before it in its lane. */
  readonly position: unknown;
}

export interface Source {
  readonly label: string;
  /** The row count if the source can tell (exact: a COUNT or a file's metadata; else an estimate for the progress bar). */
  total(): Promise<{ readonly count: number; readonly exact: boolean } | undefined>;
  rows(resume: Readonly<Record<number, unknown>>): AsyncIterable<SourceRow>;
  close(): Promise<void>;
}

export interface SourceOptions {
  readonly from: string;
  readonly table?: string | undefined;
  readonly query?: string | undefined;
  readonly mapping: MappingOptions;
  readonly csvDelimiter: string;
  readonly inferTypes: boolean;
  /** DynamoDB source: parallel scan segments. */
  readonly segments: number;
  readonly sourceRegion?: string | undefined;
  readonly makeClient: (endpoint: string, region?: string) => DynamoClient;
}

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

/** The source `--from` names: a postgres:// URL, an http(s):// DynamoDB endpoint, sqlite:FILE, or a file by its extension. */
export function openSource(options: SourceOptions): Source {
  const from = options.from;
  if (/^postgres(ql)?:\/\//.test(from)) return postgresSource(options);
  if (/^https?:\/\//.test(from)) return dynamoSource(options);
  if (from.startsWith('sqlite:') || /\.(sqlite3?|db)$/i.test(from)) return sqliteSource(from.replace(/^sqlite:/, ''), options);
  if (/\.csv$/i.test(from) || /\.tsv$/i.test(from)) return csvSource(from, options);
  if (/\.(jsonl|ndjson|json)$/i.test(from) || from === '-') return jsonLinesSource(from, options);
  if (/\.parquet$/i.test(from)) return parquetSource(from, options);
  throw new SourceError(`cannot tell what kind of source '${from}' is: use a postgres:// URL, an http(s):// DynamoDB endpoint, sqlite:FILE, or a .csv, .tsv, .jsonl or .parquet file`);
}

function skipCount(resume: Readonly<Record<number, unknown>>): number {
  const n = resume[0];
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 0;
}

function quoteIdent(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}

function needTableOrQuery(options: SourceOptions, kind: string): string {
  if ((options.table === undefined) === (options.query === undefined)) throw new SourceError(`a ${kind} source needs --table NAME or --query SQL (one of them)`);
  return options.query ?? '';
}

function postgresSource(options: SourceOptions): Source {
  needTableOrQuery(options, 'PostgreSQL');
  type PgClient = import('pg').Client;
  let client: PgClient | undefined;
  const connect = async (): Promise<PgClient> => {
    if (client !== undefined) return client;
    const pg = (await import('pg')).default;
    // Every value as PostgreSQL's text: numbers keep their digits, and type-mapping reads each type's text.
    const c = new pg.Client({ connectionString: options.from, types: { getTypeParser: () => (text: string) => text } as never });
    await c.connect();
    await c.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET bytea_output = 'hex'; SET extra_float_digits = 3");
    client = c;
    return c;
  };
  /** A table's rows in primary-key order, so that a resumed copy skips the same rows. */
  const baseQuery = async (c: PgClient): Promise<string> => {
    if (options.query !== undefined) return options.query;
    const name = options.table!;
    const pk = await c.query<{ attname: string }>(
      `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
       WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
      [quoteIdent(name)],
    );
    const order = pk.rows.length > 0 ? ` ORDER BY ${pk.rows.map((r) => quoteIdent(r.attname)).join(', ')}` : '';
    return `SELECT * FROM ${quoteIdent(name)}${order}`;
  };
  return {
    label: options.table !== undefined ? `PostgreSQL table ${options.table}` : 'PostgreSQL query',
    async total() {
      const c = await connect();
      const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM (${await baseQuery(c)}) AS openddb_source`);
      return { count: Number(r.rows[0]!.n), exact: true };
    },
    async *rows(resume) {
      const c = await connect();
      const skip = skipCount(resume);
      const sql = `SELECT * FROM (${await baseQuery(c)}) AS openddb_source${skip > 0 ? ` OFFSET ${skip}` : ''}`;
      // A cursor in a read-only transaction: rows come a batch at a time, not all into memory.
      await c.query('BEGIN READ ONLY');
      try {
        await c.query(`DECLARE openddb_cursor NO SCROLL CURSOR FOR ${sql}`);
        let n = skip;
        for (;;) {
          const page = await c.query({ text: 'FETCH 1000 FROM openddb_cursor', rowMode: 'array' });
          if (page.rows.length === 0) break;
          for (const row of page.rows as (string | null)[][]) {
            const columns: Record<string, AttributeValue | undefined> = {};
            page.fields.forEach((f, i) => {
              columns[f.name] = withColumn(f.name, () => fromPostgres(row[i] ?? null, f.dataTypeID, options.mapping));
            });
            yield { columns, lane: 0, position: ++n };
          }
        }
      } finally {
        await c.query('ROLLBACK').catch(() => undefined);
      }
    },
    async close() {
      await client?.end();
    },
  };
}

/** Names the column in a mapping error. */
function withColumn<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof MappingError) throw new MappingError(`column ${name}: ${e.message}`);
    throw e;
  }
}

interface SqliteStatement {
  safeIntegers(on: boolean): SqliteStatement;
  columns(): { name: string; type: string | null }[];
  iterate(...params: unknown[]): IterableIterator<Record<string, unknown>>;
  get(...params: unknown[]): Record<string, unknown> | undefined;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  close(): void;
}

function sqliteSource(file: string, options: SourceOptions): Source {
  needTableOrQuery(options, 'SQLite');
  let db: SqliteDatabase | undefined;
  const open = (): SqliteDatabase => {
    if (db !== undefined) return db;
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (file: string, options: object) => SqliteDatabase;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (e) {
      throw new SourceError(`cannot open the SQLite database ${file}: ${(e as Error).message}`);
    }
    return db;
  };
  const baseQuery = (): string => {
    if (options.query !== undefined) return options.query;
    const name = quoteIdent(options.table!);
    // rowid order is the table's own, and repeatable; WITHOUT ROWID tables have their key order.
    try {
      open().prepare(`SELECT rowid FROM ${name} LIMIT 0`);
      return `SELECT * FROM ${name} ORDER BY rowid`;
    } catch {
      return `SELECT * FROM ${name}`;
    }
  };
  return {
    label: options.table !== undefined ? `SQLite table ${options.table} in ${file}` : `SQLite query on ${file}`,
    async total() {
      const row = open().prepare(`SELECT count(*) AS n FROM (${baseQuery()})`).get();
      return { count: Number(row?.n), exact: true };
    },
    async *rows(resume) {
      const skip = skipCount(resume);
      const stmt = open().prepare(`SELECT * FROM (${baseQuery()}) LIMIT -1 OFFSET ${skip}`).safeIntegers(true);
      const declared = new Map(stmt.columns().map((c) => [c.name, (c.type ?? '').toUpperCase()]));
      let n = skip;
      for (const row of stmt.iterate()) {
        const columns: Record<string, AttributeValue | undefined> = {};
        for (const [name, value] of Object.entries(row)) {
          columns[name] = withColumn(name, () => sqliteValue(value, declared.get(name) ?? '', options.mapping));
        }
        yield { columns, lane: 0, position: ++n };
      }
    },
    async close() {
      db?.close();
    },
  };
}

/** SQLite has no JSON, boolean or time types, only declared ones: a column declared so is read so. */
function sqliteValue(value: unknown, declared: string, mapping: MappingOptions): AttributeValue | undefined {
  if (value === null) return fromJs(null, mapping);
  if (declared.includes('JSON') && typeof value === 'string') return fromJs(parseExactJson(value), mapping);
  if (declared.includes('BOOL') && (typeof value === 'bigint' || typeof value === 'number')) return { BOOL: Number(value) !== 0 };
  if ((declared.includes('DATE') || declared.includes('TIME')) && typeof value === 'string') {
    const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) || value.length <= 10 ? value : `${value.replace(' ', 'T')}Z`);
    if (!Number.isNaN(ms) && mapping.timestamps !== 'iso') return fromJs(Timestamp.fromMillis(ms), mapping);
  }
  return fromJs(value, mapping);
}

/** Lines of a file (or standard input for '-'). */
function lines(file: string): AsyncIterable<string> {
  const input = file === '-' ? process.stdin : createReadStream(file);
  return createInterface({ input, crlfDelay: Infinity });
}

/** An estimate of a text file's rows: its newlines (fast; a CSV's quoted newlines make it high). */
async function countLines(file: string): Promise<number | undefined> {
  if (file === '-') return undefined;
  let n = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}

function csvSource(file: string, options: SourceOptions): Source {
  const delimiter = /\.tsv$/i.test(file) ? '\t' : options.csvDelimiter;
  return {
    label: `CSV file ${file}`,
    async total() {
      const n = await countLines(file);
      return n === undefined ? undefined : { count: Math.max(0, n - 1), exact: false };
    },
    async *rows(resume) {
      await stat(file).catch((e: Error) => {
        throw new SourceError(`cannot read ${file}: ${e.message}`);
      });
      const { parse } = await import('csv-parse');
      const skip = skipCount(resume);
      const parser = createReadStream(file).pipe(parse({ columns: true, bom: true, delimiter, from: skip + 1, relax_quotes: false }));
      let n = skip;
      for await (const record of parser as AsyncIterable<Record<string, string>>) {
        const columns: Record<string, AttributeValue | undefined> = {};
        for (const [name, text] of Object.entries(record)) {
          // An empty field is SQL's NULL in a CSV export.
          columns[name] = text === '' ? fromJs(null, options.mapping) : options.inferTypes ? inferFromText(text) : { S: text };
        }
        yield { columns, lane: 0, position: ++n };
      }
    },
    async close() {},
  };
}

const TYPE_KEYS = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

/** `{"Item":{"a":{"S":"x"}}}`: DynamoDB JSON (dump, DynamoDB's S3 export), taken as it is. */
export function dynamoJsonItem(line: unknown): Item | undefined {
  if (line === null || typeof line !== 'object' || Array.isArray(line)) return undefined;
  const keys = Object.keys(line);
  if (keys.length !== 1 || keys[0] !== 'Item') return undefined;
  const item = (line as { Item: unknown }).Item;
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  for (const v of Object.values(item)) {
    if (v === null || typeof v !== 'object') return undefined;
    const k = Object.keys(v);
    if (k.length !== 1 || !TYPE_KEYS.has(k[0]!)) return undefined;
  }
  return item as Item;
}

function jsonLinesSource(file: string, options: SourceOptions): Source {
  return {
    label: file === '-' ? 'JSON lines on standard input' : `JSON Lines file ${file}`,
    async total() {
      const n = await countLines(file);
      return n === undefined ? undefined : { count: n, exact: false };
    },
    async *rows(resume) {
      if (file !== '-') {
        await stat(file).catch((e: Error) => {
          throw new SourceError(`cannot read ${file}: ${e.message}`);
        });
      }
      const skip = skipCount(resume);
      let n = 0;
      let lineNo = 0;
      for await (const line of lines(file)) {
        lineNo++;
        if (line.trim() === '') continue;
        n++;
        if (n <= skip) continue;
        let columns: Record<string, AttributeValue | undefined>;
        // DynamoDB JSON's numbers are strings already: JSON.parse keeps them exact.
        const quick = line.startsWith('{"Item"') ? (JSON.parse(line) as unknown) : undefined;
        const item = dynamoJsonItem(quick);
        if (item !== undefined) columns = item;
        else {
          let parsed: unknown;
          try {
            parsed = parseExactJson(line);
          } catch (e) {
            throw new MappingError(`line ${lineNo}: ${(e as Error).message}`);
          }
          if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MappingError(`line ${lineNo}: a line must be a JSON object`);
          columns = {};
          for (const [k, v] of Object.entries(parsed)) columns[k] = withColumn(k, () => fromJs(v, options.mapping));
        }
        yield { columns, lane: 0, position: n };
      }
    },
    async close() {},
  };
}

function parquetSource(file: string, options: SourceOptions): Source {
  type Hyparquet = typeof import('hyparquet');
  let lib: Hyparquet | undefined;
  let meta: { file: import('hyparquet').AsyncBuffer; metadata: import('hyparquet').FileMetaData } | undefined;
  const open = async () => {
    if (meta !== undefined && lib !== undefined) return { lib, ...meta };
    lib = await import('hyparquet');
    const { asyncBufferFromFile } = lib as Hyparquet & { asyncBufferFromFile(f: string): Promise<import('hyparquet').AsyncBuffer> };
    let buffer;
    try {
      buffer = await asyncBufferFromFile(file);
    } catch (e) {
      throw new SourceError(`cannot read ${file}: ${(e as Error).message}`);
    }
    meta = { file: buffer, metadata: await lib.parquetMetadataAsync(buffer) };
    return { lib, ...meta };
  };
  // Timestamps keep their micro- and nanoseconds (hyparquet's default makes Dates of milliseconds).
  const parsers = {
    timestampFromMilliseconds: (v: bigint) => Timestamp.fromBigInt(v, 3),
    timestampFromMicroseconds: (v: bigint) => Timestamp.fromBigInt(v, 6),
    timestampFromNanoseconds: (v: bigint) => Timestamp.fromBigInt(v, 9),
    dateFromDays: (days: number) => new Timestamp(BigInt(days) * 86400n, '', true, true),
  };
  const CHUNK = 1000;
  // hyparquet decodes SNAPPY (DuckDB's default) itself; the other codecs DuckDB, Spark and pandas write come from here.
  let compressors: import('hyparquet').Compressors | undefined;
  const codecs = async (): Promise<import('hyparquet').Compressors> => {
    if (compressors !== undefined) return compressors;
    const fzstd = await import('fzstd');
    compressors = {
      ZSTD: (input, outputLength) => fzstd.decompress(input, new Uint8Array(outputLength)),
      GZIP: (input) => gunzipSync(input),
      BROTLI: (input) => brotliDecompressSync(input),
    };
    return compressors;
  };
  return {
    label: `Parquet file ${file}`,
    async total() {
      const { metadata } = await open();
      return { count: Number(metadata.num_rows), exact: true };
    },
    async *rows(resume) {
      const { lib: hp, file: buffer, metadata } = await open();
      const total = Number(metadata.num_rows);
      for (let start = skipCount(resume); start < total; start += CHUNK) {
        const rows = await hp.parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: Math.min(total, start + CHUNK), parsers, compressors: await codecs() });
        let n = start;
        for (const row of rows) {
          const columns: Record<string, AttributeValue | undefined> = {};
          for (const [name, value] of Object.entries(row)) columns[name] = withColumn(name, () => fromJs(value, options.mapping));
          yield { columns, lane: 0, position: ++n };
        }
      }
    },
    async close() {},
  };
}

interface ScanPage {
  Items?: Item[];
  LastEvaluatedKey?: Item;
  Count?: number;
}

function dynamoSource(options: SourceOptions): Source {
  if (options.table === undefined) throw new SourceError('a DynamoDB source needs --table NAME (the table to copy)');
  const table = options.table;
  const client = options.makeClient(options.from, options.sourceRegion);
  const segments = options.segments;
  return {
    label: `DynamoDB table ${table} at ${options.from}`,
    async total() {
      try {
        const { Table } = await client.call<{ Table: { ItemCount?: number } }>('DescribeTable', { TableName: table });
        // DynamoDB refreshes ItemCount about every six hours: an estimate, for the progress bar.
        return Table.ItemCount === undefined ? undefined : { count: Table.ItemCount, exact: false };
      } catch (e) {
        if (e instanceof ApiError && e.type === 'ResourceNotFoundException') throw new SourceError(`the source table ${table} does not exist at ${options.from}`);
        throw e;
      }
    },
    rows(resume) {
      return mergeLanes(
        Array.from({ length: segments }, (_, segment) => scanSegment(client, table, segment, segments, resume[segment])),
      );
    },
    async close() {},
  };
}

/** One segment of a parallel scan; resume is `{ startKey }` of the page to start at, or `{ done: true }`. */
async function* scanSegment(client: DynamoClient, table: string, segment: number, segments: number, resume: unknown): AsyncGenerator<SourceRow> {
  const r = resume as { startKey?: Item; done?: boolean } | undefined;
  if (r?.done === true) return;
  let startKey = r?.startKey;
  for (;;) {
    const page = await client.call<ScanPage>('Scan', {
      TableName: table,
      ConsistentRead: true,
      ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
      ...(startKey !== undefined ? { ExclusiveStartKey: startKey } : {}),
    });
    const items = page.Items ?? [];
    const last = page.LastEvaluatedKey === undefined;
    for (let i = 0; i < items.length; i++) {
      // The page's last row, once written, lets a resume start at the next page.
      const position = i === items.length - 1 ? (last ? { done: true } : { startKey: page.LastEvaluatedKey }) : startKey === undefined ? {} : { startKey };
      yield { columns: items[i]!, lane: segment, position };
    }
    if (last) return;
    startKey = page.LastEvaluatedKey;
  }
}

/** Rows of several lanes, as each produces them. */
async function* mergeLanes(lanes: AsyncGenerator<SourceRow>[]): AsyncGenerator<SourceRow> {
  const pending = new Map<number, Promise<{ lane: number; result: IteratorResult<SourceRow> }>>();
  const pull = (lane: number) => pending.set(lane, lanes[lane]!.next().then((result) => ({ lane, result })));
  lanes.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { lane, result } = await Promise.race(pending.values());
      if (result.done === true) {
        pending.delete(lane);
        continue;
      }
      pull(lane);
      yield result.value;
    }
  } finally {
    await Promise.all(lanes.map((l) => l.return(undefined)));
  }
}
