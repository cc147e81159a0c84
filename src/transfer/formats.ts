/**
 * @module transfer/formats
 * The object formats of export, import and bulk operations, as DynamoDB
 * writes and reads them (developer guide, "DynamoDB table export output
 * format" and "Import from S3: data format"):
 *
 * - DynamoDB JSON: JSON Lines, one `{"Item":{…}}` per line, values in the
 *   wire form (`{"S":"…"}`);
 * - Amazon Ion (text): one `$ion_1_0 {Item:{…}}` per line; S → string,
 *   N → decimal, B → blob, BOOL → bool, NULL → null, L → list, M → struct,
 *   SS/NS/BS → list annotated `$dynamodb_SS` / `_NS` / `_BS`;
 * - CSV (import only): a header line or HeaderList; every value a string
 *   except the key attributes, typed by the table's AttributeDefinitions.
 *
 * Compression: GZIP (node:zlib), ZSTD (fzstd, pure JS: Node 20's zlib has
 * none; decompression only), NONE.
 *
 * Parsing never throws for a bad record: it yields the record with the
 * reason, so the job can count it, report it and go on.
 */
import { gunzipSync } from 'node:zlib';
import { attrValue, checkTypes, map, type OperationSchema } from '../validate/index.js';
import { normalizeNumber } from '../values/index.js';
import type { AttributeValue, Item, KeyType } from '../values/types.js';

export type CompressionType = 'GZIP' | 'ZSTD' | 'NONE';
export type ItemFormat = 'DYNAMODB_JSON' | 'ION';

/** One input record: an item in the wire form, or why it is not one. */
export type InputRecord =
  | { readonly line: number; readonly item: Item; readonly extra?: Readonly<Record<string, unknown>> }
  | { readonly line: number; readonly error: string; readonly text: string };

export async function decompress(bytes: Uint8Array, type: CompressionType): Promise<Uint8Array> {
  if (type === 'GZIP') return gunzipSync(bytes);
  if (type === 'ZSTD') {
    const { decompress: zstd } = await import('fzstd');
    return zstd(bytes);
  }
  return bytes;
}

const ITEM_SCHEMA: OperationSchema = { members: { Item: map(attrValue(), { required: true, emptyKey: 'Empty attribute name' }) } };

/** Checks the shape of an item read from a file as the protocol edge checks a request's. */
export function checkItemShape(item: unknown): Item {
  return checkTypes({ Item: item }, ITEM_SCHEMA).Item as Item;
}

function lines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const t = all[i]!.replace(/\r$/, '');
    if (t.trim() !== '') out.push({ line: i + 1, text: t });
  }
  return out;
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** DynamoDB JSON Lines: `{"Item":{…}}` per line (other members of the line are kept as `extra`). */
export function parseDynamoJson(text: string): InputRecord[] {
  return lines(text).map(({ line, text: t }) => {
    try {
      const parsed = JSON.parse(t) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('Item' in parsed)) {
        return { line, error: 'The record is not an object with an Item member', text: t };
      }
      const { Item: raw, ...extra } = parsed as Record<string, unknown>;
      const item = checkItemShape(raw);
      return Object.keys(extra).length === 0 ? { line, item } : { line, item, extra };
    } catch (e) {
      return { line, error: reason(e), text: t };
    }
  });
}

 
/** Amazon Ion text (or binary): each top-level value a struct with an Item member. */
export async function parseIon(text: string): Promise<InputRecord[]> {
  const ion = await import('ion-js');
  const out: InputRecord[] = [];
  // Each line is one value in DynamoDB's exports; read line by line so a bad
  // line is one bad record, and fall back to the whole text for multi-line Ion.
  const all = lines(text);
  const perLine = all.every(({ text: t }) => t.trimStart().startsWith('$ion_1_0') || t.trimStart().startsWith('{'));
  const chunks = perLine ? all : [{ line: 1, text }];
  for (const { line, text: t } of chunks) {
    let values: any[];
    try {
      values = ion.loadAll(t);
    } catch (e) {
      out.push({ line, error: `Invalid Ion: ${reason(e)}`, text: t });
      continue;
    }
    for (const value of values) {
      try {
        if (value?.getType().name !== 'struct' || value.get('Item') === null) throw new Error('The record is not a struct with an Item member');
        const item = ionToAttribute(value.get('Item'));
        if (!('M' in item)) throw new Error('Item is not a struct');
        out.push({ line, item: checkItemShape(item.M) });
      } catch (e) {
        out.push({ line, error: reason(e), text: t.length > 1000 ? `${t.slice(0, 1000)}…` : t });
      }
    }
  }
  return out;
}

function ionToAttribute(v: any): AttributeValue {
  const type: string = v.getType().name;
  const annotations: string[] = v.getAnnotations();
  if (v.isNull()) return { NULL: true };
  switch (type) {
    case 'string':
    case 'symbol':
      return { S: v.stringValue() };
    case 'bool':
      return { BOOL: v.booleanValue() };
    case 'int':
      return { N: String(v.bigIntValue()) };
    case 'decimal':
      return { N: normalizeNumber(v.decimalValue().toString()) };
    case 'float':
      return { N: normalizeNumber(String(v.numberValue())) };
    case 'blob':
    case 'clob':
      return { B: Buffer.from(v.uInt8ArrayValue()).toString('base64') };
    case 'struct': {
      const m: Item = {};
      for (const [name, child] of v.fields()) m[name] = ionToAttribute(child);
      return { M: m };
    }
    case 'list':
    case 'sexp': {
      const elements: any[] = [...v];
      if (annotations.includes('$dynamodb_SS')) return { SS: elements.map((e) => String(e.stringValue())) };
      if (annotations.includes('$dynamodb_NS')) return { NS: elements.map((e) => (ionToAttribute(e) as { N: string }).N) };
      if (annotations.includes('$dynamodb_BS')) return { BS: elements.map((e) => Buffer.from(e.uInt8ArrayValue()).toString('base64')) };
      return { L: elements.map(ionToAttribute) };
    }
    default:
      throw new Error(`Ion type ${type} has no DynamoDB equivalent`);
  }
}

export interface CsvOptions {
  readonly delimiter?: string;
  readonly headers?: readonly string[];
  /** The table's key attributes and their types: the only values not imported as strings. */
  readonly keyTypes: Readonly<Record<string, KeyType>>;
}

/** CSV: the first line is the header unless `headers` is given; empty values are left out. */
export async function parseCsv(text: string, options: CsvOptions): Promise<InputRecord[]> {
  const { parse } = await import('csv-parse/sync');
  let rows: string[][];
  try {
    rows = parse(text, { delimiter: options.delimiter ?? ',', relax_column_count: true, skip_empty_lines: true, bom: true }) as string[][];
  } catch (e) {
    // A malformed file (an unclosed quote): one error for the object, as DynamoDB stops at it.
    return [{ line: 1, error: `Invalid CSV: ${reason(e)}`, text: text.slice(0, 200) }];
  }
  let headers = options.headers;
  let first = 0;
  if (headers === undefined) {
    headers = rows[0] ?? [];
    first = 1;
  }
  const out: InputRecord[] = [];
  for (let r = first; r < rows.length; r++) {
    const row = rows[r]!;
    const line = r + 1;
    if (row.length > headers.length) {
      out.push({ line, error: `The row has ${row.length} values but there are ${headers.length} headers`, text: row.join(options.delimiter ?? ',') });
      continue;
    }
    try {
      const item: Item = {};
      for (let c = 0; c < row.length; c++) {
        const name = headers[c]!;
        const value = row[c]!;
        const keyType = options.keyTypes[name];
        if (value === '' && keyType === undefined) continue;
        item[name] = keyType === 'N' ? { N: value } : keyType === 'B' ? { B: value } : { S: value };
      }
      out.push({ line, item: checkItemShape(item) });
    } catch (e) {
      out.push({ line, error: reason(e), text: row.join(options.delimiter ?? ',') });
    }
  }
  return out;
}

/** One line of a DynamoDB JSON export. */
export function itemJsonLine(item: Item): string {
  return `${JSON.stringify({ Item: item })}\n`;
}

/** The Ion text of one item, as a line of an Ion export. */
export async function itemIonLine(item: Item): Promise<string> {
  const ion = await import('ion-js');
  const w = ion.makeTextWriter();
  w.stepIn(ion.IonTypes.STRUCT);
  w.writeFieldName('Item');
  writeIonMap(ion, w, item);
  w.stepOut();
  w.close();
  return `$ion_1_0 ${new TextDecoder().decode(w.getBytes())}\n`;
}

function writeIonMap(ion: any, w: any, item: Item): void {
  w.stepIn(ion.IonTypes.STRUCT);
  for (const [name, value] of Object.entries(item)) {
    w.writeFieldName(name);
    writeIonValue(ion, w, value);
  }
  w.stepOut();
}

/** A number's Ion decimal: Ion writes an exponent with `d` (ion-js's parser refuses `e`). */
function ionDecimal(ion: any, n: string): any {
  return ion.Decimal.parse(n.replace(/[eE]\+?/, 'd'));
}

function writeIonValue(ion: any, w: any, v: AttributeValue): void {
  if ('S' in v) w.writeString(v.S);
  else if ('N' in v) w.writeDecimal(ionDecimal(ion, v.N));
  else if ('B' in v) w.writeBlob(Buffer.from(v.B, 'base64'));
  else if ('BOOL' in v) w.writeBoolean(v.BOOL);
  else if ('NULL' in v) w.writeNull(ion.IonTypes.NULL);
  else if ('M' in v) writeIonMap(ion, w, v.M);
  else if ('L' in v) {
    w.stepIn(ion.IonTypes.LIST);
    for (const e of v.L) writeIonValue(ion, w, e);
    w.stepOut();
  } else {
    const [tag, values] = 'SS' in v ? ['SS', v.SS] : 'NS' in v ? ['NS', v.NS] : ['BS', (v as { BS: string[] }).BS];
    w.setAnnotations([`$dynamodb_${tag}`]);
    w.stepIn(ion.IonTypes.LIST);
    for (const e of values) {
      if (tag === 'SS') w.writeString(e);
      else if (tag === 'NS') w.writeDecimal(ionDecimal(ion, e));
      else w.writeBlob(Buffer.from(e, 'base64'));
    }
    w.stepOut();
  }
}
