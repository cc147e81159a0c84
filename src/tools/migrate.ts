/**
 * @module tools/migrate
 * `openddb migrate --from SOURCE --to TABLE`: copies rows into a table
 * (tools/migrate-sources reads, tools/type-mapping converts,
 * tools/batch-writer writes), with a key mapping, a progress line with rate
 * and ETA, a checkpoint file to resume after an interruption, and a final
 * count of source rows against items written.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AttributeValue, Item } from '../values/index.js';
import { waitActive } from './apply.js';
import { BatchWriter, type WriterProgress } from './batch-writer.js';
import { ApiError, DEFAULT_ENDPOINT, DynamoClient, clientOptionsFromEnv, describeError } from './client.js';
import { SourceError, openSource, type Source } from './migrate-sources.js';
import { MappingError, applyColumnType, numberValue, type ColumnType, type MappingOptions } from './type-mapping.js';

export const MIGRATE_USAGE = `usage: openddb migrate --from SOURCE --to TABLE [--endpoint URL] [--region REGION]
         SOURCE: postgres://… (with --table T or --query SQL), sqlite:FILE (--table or --query),
                 FILE.csv | FILE.tsv | FILE.jsonl | FILE.parquet, http(s)://ENDPOINT (--table T)
         [--hash-key COLUMN[:S|N|B]] [--range-key COLUMN[:S|N|B]] [--create]
         [--rename COLUMN=ATTRIBUTE]... [--exclude COLUMN]... [--column-type COLUMN=S|N|BOOL|JSON|B]...
         [--timestamps iso|epoch|epoch-ms] [--nulls omit|null] [--infer-types] [--delimiter ,]
         [--checkpoint FILE] [--restart] [--concurrency 4] [--segments 4] [--source-region REGION]
         [--skip-invalid] [--progress auto|tty|lines|none]`;

/** How a source row becomes an item. */
export interface ItemPlan {
  readonly renames: ReadonlyMap<string, string>;
  readonly excludes: ReadonlySet<string>;
  readonly columnTypes: ReadonlyMap<string, ColumnType>;
  /** Table key attribute → its type and the column it is read from. */
  readonly keys: readonly { readonly attribute: string; readonly type: 'S' | 'N' | 'B'; readonly column: string }[];
  readonly mapping: MappingOptions;
}

/** A source row → the item to write (pure). Throws MappingError for a row that cannot be one. */
export function buildItem(columns: Readonly<Record<string, AttributeValue | undefined>>, plan: ItemPlan): Item {
  const item: Item = {};
  const keyColumns = new Map(plan.keys.map((k) => [k.column, k]));
  for (const [column, raw] of Object.entries(columns)) {
    if (raw === undefined || plan.excludes.has(column)) continue;
    const type = plan.columnTypes.get(column);
    const value = type === undefined ? raw : applyColumnType(raw, type, plan.mapping);
    if (value === undefined) continue;
    const key = keyColumns.get(column);
    if (key !== undefined) item[key.attribute] = keyValue(value, key.type, column);
    else item[plan.renames.get(column) ?? column] = value;
  }
  for (const k of plan.keys) {
    if (item[k.attribute] === undefined) throw new MappingError(`no value for the key attribute ${k.attribute} (column ${k.column})`);
  }
  return item;
}

/** A value as the key type the table declares: numbers become S, numeric strings N. */
function keyValue(value: AttributeValue, type: 'S' | 'N' | 'B', column: string): AttributeValue {
  if (type === 'S') {
    const text = 'S' in value ? value.S : 'N' in value ? value.N : undefined;
    if (text === undefined) throw new MappingError(`column ${column}: a key of type S cannot be ${Object.keys(value)[0]}`);
    if (text === '') throw new MappingError(`column ${column}: a key cannot be an empty string`);
    return { S: text };
  }
  if (type === 'N') {
    const text = 'N' in value ? value.N : 'S' in value ? value.S.trim() : undefined;
    if (text === undefined) throw new MappingError(`column ${column}: a key of type N cannot be ${Object.keys(value)[0]}`);
    const n = numberValue(text);
    if (typeof n === 'string') throw new MappingError(`column ${column}: ${n}`);
    return n;
  }
  if ('B' in value) return value;
  if ('S' in value) return { B: Buffer.from(value.S, 'utf8').toString('base64') };
  throw new MappingError(`column ${column}: a key of type B cannot be ${Object.keys(value)[0]}`);
}

interface Checkpoint {
  readonly version: 1;
  readonly source: string;
  readonly to: string;
  readonly positions: Record<string, unknown>;
  readonly rowsDone: number;
  readonly itemsWritten: number;
  readonly skipped: number;
  readonly finished: boolean;
}

function saveCheckpoint(file: string, checkpoint: Checkpoint): void {
  // Written whole and renamed into place: a crash leaves the old or the new one, never half.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(checkpoint)}\n`);
  renameSync(tmp, file);
}

function loadCheckpoint(file: string, source: string, to: string): Checkpoint | undefined {
  if (!existsSync(file)) return undefined;
  const c = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  if (c.version !== 1 || c.source !== source || c.to !== to) {
    throw new SourceError(`the checkpoint ${file} is of another migration (${c.source} → ${c.to}); remove it or pass --restart`);
  }
  return c;
}

/** A progress line: percent, bar, counts, rate and ETA when the total is known. */
export function progressLine(done: number, total: number | undefined, elapsedMs: number, doneThisRun: number, width = 24): string {
  const rate = elapsedMs > 0 ? (doneThisRun * 1000) / elapsedMs : 0;
  const rateText = `${Math.round(rate).toLocaleString('en-US')} rows/s`;
  if (total === undefined || total <= 0) return `${done.toLocaleString('en-US')} rows  ${rateText}`;
  const fraction = Math.min(1, done / total);
  const filled = Math.round(fraction * width);
  const eta = rate > 0 && done < total ? formatDuration(((total - done) / rate) * 1000) : done >= total ? '0:00' : '?';
  return `${(fraction * 100).toFixed(1).padStart(5)}% [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows  ${rateText}  ETA ${eta}`;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Keys of the target: `--hash-key COLUMN[:TYPE]` and `--range-key`, matched to the table's key schema. */
function keyPlan(
  keySchema: { AttributeName: string; KeyType: string }[],
  types: Map<string, string>,
  hashArg: string | undefined,
  rangeArg: string | undefined,
  renames: ReadonlyMap<string, string>,
): ItemPlan['keys'] {
  const columnFor = (arg: string | undefined, attribute: string): string => {
    if (arg !== undefined) return arg.split(':')[0]!;
    // By default the column of the same name, or the one renamed to it.
    for (const [column, renamed] of renames) if (renamed === attribute) return column;
    return attribute;
  };
  return keySchema.map((k) => ({
    attribute: k.AttributeName,
    type: (types.get(k.AttributeName) ?? 'S') as 'S' | 'N' | 'B',
    column: columnFor(k.KeyType === 'HASH' ? hashArg : rangeArg, k.AttributeName),
  }));
}

function keyValuesOf(values: readonly string[] | undefined, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new SourceError(`${flag} takes COLUMN=VALUE, not '${v}'`);
    out.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return out;
}

export async function runMigrate(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        table: { type: 'string' },
        query: { type: 'string' },
        endpoint: { type: 'string', default: DEFAULT_ENDPOINT },
        region: { type: 'string' },
        'source-region': { type: 'string' },
        'hash-key': { type: 'string' },
        'range-key': { type: 'string' },
        create: { type: 'boolean', default: false },
        rename: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        'column-type': { type: 'string', multiple: true },
        timestamps: { type: 'string', default: 'iso' },
        nulls: { type: 'string', default: 'omit' },
        'infer-types': { type: 'boolean', default: false },
        delimiter: { type: 'string', default: ',' },
        checkpoint: { type: 'string' },
        restart: { type: 'boolean', default: false },
        concurrency: { type: 'string', default: '4' },
        segments: { type: 'string', default: '4' },
        'skip-invalid': { type: 'boolean', default: false },
        progress: { type: 'string', default: 'auto' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`openddb migrate: ${(e as Error).message}\n${MIGRATE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${MIGRATE_USAGE}\n`);
    return 0;
  }
  const usage = (message: string) => {
    process.stderr.write(`openddb migrate: ${message}\n${MIGRATE_USAGE}\n`);
    return 2;
  };
  if (values.from === undefined || values.to === undefined) return usage('--from and --to are required');
  if (!['iso', 'epoch', 'epoch-ms'].includes(values.timestamps)) return usage(`--timestamps must be iso, epoch or epoch-ms, not '${values.timestamps}'`);
  if (!['omit', 'null'].includes(values.nulls)) return usage(`--nulls must be omit or null, not '${values.nulls}'`);
  if (!['auto', 'tty', 'lines', 'none'].includes(values.progress)) return usage(`--progress must be auto, tty, lines or none`);
  const concurrency = Number(values.concurrency);
  const segments = Number(values.segments);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) return usage('--concurrency must be a whole number from 1 to 64');
  if (!Number.isInteger(segments) || segments < 1 || segments > 1000) return usage('--segments must be a whole number from 1 to 1000');
  const mapping: MappingOptions = { timestamps: values.timestamps as MappingOptions['timestamps'], nulls: values.nulls as MappingOptions['nulls'] };
  let columnTypes: Map<string, ColumnType>;
  let renames: Map<string, string>;
  try {
    renames = keyValuesOf(values.rename, '--rename');
    columnTypes = keyValuesOf(values['column-type'], '--column-type') as Map<string, ColumnType>;
    for (const [c, t] of columnTypes) if (!['S', 'N', 'BOOL', 'JSON', 'B'].includes(t)) return usage(`--column-type ${c}=${t}: the type must be S, N, BOOL, JSON or B`);
  } catch (e) {
    return usage((e as Error).message);
  }
  for (const arg of [values['hash-key'], values['range-key']]) {
    if (arg !== undefined && arg.includes(':') && !/:(S|N|B)$/.test(arg)) return usage(`key column '${arg}': the type after ':' must be S, N or B`);
  }

  let target: DynamoClient;
  try {
    target = new DynamoClient(clientOptionsFromEnv(values.endpoint, values.region));
  } catch (e) {
    return usage((e as Error).message);
  }
  const makeClient = (endpoint: string, region?: string) => new DynamoClient(clientOptionsFromEnv(endpoint, region));
  let source: Source | undefined;
  const mode = values.progress === 'auto' ? (process.stderr.isTTY ? 'tty' : 'lines') : values.progress;
  try {
    source = openSource({
      from: values.from,
      table: values.table,
      query: values.query,
      mapping,
      csvDelimiter: values.delimiter,
      inferTypes: values['infer-types'],
      segments,
      sourceRegion: values['source-region'],
      makeClient,
    });
    const keys = await targetKeys(target, values.to, values.create, values['hash-key'], values['range-key'], renames);
    const plan: ItemPlan = { renames, excludes: new Set(values.exclude ?? []), columnTypes, keys, mapping };
    const sourceId = `${values.from}${values.table !== undefined ? ` table ${values.table}` : ''}${values.query !== undefined ? ` query ${values.query}` : ''}`;
    const checkpointFile = values.checkpoint;
    let previous: Checkpoint | undefined;
    if (checkpointFile !== undefined && !values.restart) previous = loadCheckpoint(checkpointFile, sourceId, values.to);
    const result = await copy(source, target, values.to, plan, {
      concurrency,
      skipInvalid: values['skip-invalid'],
      progress: mode as 'tty' | 'lines' | 'none',
      checkpointFile,
      previous,
      sourceId,
    });
    return result;
  } catch (e) {
    if (mode === 'tty') process.stderr.write('\n');
    process.stderr.write(`openddb migrate: ${describeError(e)}\n`);
    return 1;
  } finally {
    await source?.close().catch(() => undefined);
  }
}

/** The target's key attributes and types; with --create, makes the table (on demand) if it is missing. */
async function targetKeys(
  client: DynamoClient,
  table: string,
  create: boolean,
  hashArg: string | undefined,
  rangeArg: string | undefined,
  renames: ReadonlyMap<string, string>,
): Promise<ItemPlan['keys']> {
  let described: { Table: { KeySchema: { AttributeName: string; KeyType: string }[]; AttributeDefinitions: { AttributeName: string; AttributeType: string }[] } };
  try {
    described = await client.call('DescribeTable', { TableName: table });
  } catch (e) {
    if (!(e instanceof ApiError && e.type === 'ResourceNotFoundException')) throw e;
    if (!create) throw new SourceError(`the table ${table} does not exist at ${client.endpoint}: create it first (openddb apply), or pass --create with --hash-key COLUMN:TYPE`);
    if (hashArg === undefined) throw new SourceError('--create needs --hash-key COLUMN[:S|N|B] (and --range-key for a sort key)');
    const parts = [
      { arg: hashArg, keyType: 'HASH' },
      ...(rangeArg !== undefined ? [{ arg: rangeArg, keyType: 'RANGE' }] : []),
    ].map(({ arg, keyType }) => {
      const [column, type] = arg.split(':');
      return { name: renames.get(column!) ?? column!, type: type ?? 'S', keyType };
    });
    await client.call('CreateTable', {
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: parts.map((p) => ({ AttributeName: p.name, AttributeType: p.type })),
      KeySchema: parts.map((p) => ({ AttributeName: p.name, KeyType: p.keyType })),
    });
    await waitActive(client, table, 600_000);
    described = await client.call('DescribeTable', { TableName: table });
  }
  const types = new Map(described.Table.AttributeDefinitions.map((a) => [a.AttributeName, a.AttributeType]));
  return keyPlan(described.Table.KeySchema, types, hashArg, rangeArg, renames);
}

interface CopyOptions {
  readonly concurrency: number;
  readonly skipInvalid: boolean;
  readonly progress: 'tty' | 'lines' | 'none';
  readonly checkpointFile: string | undefined;
  readonly previous: Checkpoint | undefined;
  readonly sourceId: string;
}

async function copy(source: Source, client: DynamoClient, table: string, plan: ItemPlan, options: CopyOptions): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const previous = options.previous;
  if (previous?.finished === true) {
    out(`already complete (checkpoint ${options.checkpointFile}): ${previous.rowsDone} source rows, ${previous.itemsWritten} items written; pass --restart to copy again`);
    return 0;
  }
  const resume: Record<number, unknown> = {};
  for (const [lane, position] of Object.entries(previous?.positions ?? {})) resume[Number(lane)] = position;
  const progress: WriterProgress = {
    rowsDone: previous?.rowsDone ?? 0,
    itemsWritten: previous?.itemsWritten ?? 0,
    positions: new Map(Object.entries(resume).map(([k, v]) => [Number(k), v])),
  };
  let skipped = previous?.skipped ?? 0;
  if (previous !== undefined) err(`resuming from ${options.checkpointFile}: ${previous.rowsDone} rows already copied`);
  const total = await source.total();
  const started = Date.now();
  const rowsAtStart = progress.rowsDone;
  let lastSave = 0;
  const checkpoint = (finished: boolean): Checkpoint => ({
    version: 1,
    source: options.sourceId,
    to: table,
    positions: Object.fromEntries(progress.positions),
    rowsDone: progress.rowsDone,
    itemsWritten: progress.itemsWritten,
    skipped,
    finished,
  });
  const save = (force = false) => {
    if (options.checkpointFile === undefined) return;
    const now = Date.now();
    if (!force && now - lastSave < 200) return;
    lastSave = now;
    saveCheckpoint(options.checkpointFile, checkpoint(false));
  };
  const keyNames = plan.keys.map((k) => k.attribute);
  const writer = new BatchWriter(client, table, keyNames, options.concurrency, progress, () => save());

  let lastDraw = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (options.progress === 'none') return;
    const every = options.progress === 'tty' ? 200 : 5000;
    if (!force && now - lastDraw < every) return;
    lastDraw = now;
    const line = progressLine(progress.rowsDone, total?.count, now - started, progress.rowsDone - rowsAtStart);
    if (options.progress === 'tty') process.stderr.write(`\r\x1b[K${line}`);
    else err(line);
  };
  const timer = setInterval(() => draw(), options.progress === 'tty' ? 200 : 5000);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let rowNumber = previous?.rowsDone ?? 0;
  try {
    for await (const row of source.rows(resume)) {
      if (interrupted) break;
      rowNumber++;
      let item: Item | undefined;
      try {
        item = buildItem(row.columns, plan);
        const problem = BatchWriter.problem(item);
        if (problem !== undefined) throw new MappingError(problem);
      } catch (e) {
        if (!(e instanceof MappingError)) throw e;
        const message = `row ${rowNumber}: ${e.message}`;
        if (!options.skipInvalid) throw new MappingError(`${message} (nothing after it was written; --skip-invalid skips such rows)`);
        if (skipped < 10) err(`${options.progress === 'tty' ? '\r\x1b[K' : ''}skipped ${message}`);
        skipped++;
        item = undefined;
      }
      await writer.add(item, row.lane, row.position);
    }
    if (interrupted) {
      await writer.drain();
      save(true);
      draw(true);
      if (options.progress === 'tty') process.stderr.write('\n');
      err(`interrupted: ${progress.rowsDone} rows copied${options.checkpointFile !== undefined ? `; run the same command again to resume (checkpoint ${options.checkpointFile})` : ''}`);
      return 130;
    }
    await writer.close();
  } catch (e) {
    // What was acknowledged stays recorded, so a fixed run resumes after it.
    await writer.drain().catch(() => undefined);
    save(true);
    throw e;
  } finally {
    clearInterval(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  draw(true);
  if (options.progress === 'tty') process.stderr.write('\n');
  if (options.checkpointFile !== undefined) saveCheckpoint(options.checkpointFile, checkpoint(true));
  const seconds = (Date.now() - started) / 1000;
  const rows = progress.rowsDone;
  const written = progress.itemsWritten;
  out(
    `copied ${source.label} → ${table}: ${rows} source rows, ${written} items written, ${skipped} skipped` +
      ` in ${seconds.toFixed(1)} s${writer.retries > 0 ? ` (${writer.retries} batches retried)` : ''}`,
  );
  // Verification: every row read was written or skipped, and the source's own count agrees.
  const problems: string[] = [];
  if (written + skipped !== rows) problems.push(`${rows} rows read but ${written} written and ${skipped} skipped`);
  if (total?.exact === true && total.count !== rows) problems.push(`the source counts ${total.count} rows but ${rows} were read (did it change during the copy?)`);
  if (problems.length > 0) {
    err(`verification failed: ${problems.join('; ')}`);
    return 1;
  }
  out(`verified: ${total?.exact === true ? `source count ${total.count} = ` : ''}${rows} rows read = ${written} written + ${skipped} skipped`);
  return 0;
}
