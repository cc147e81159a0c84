/**
 * @module console/values
 * DynamoDB's AttributeValues in the console: a short text for a table
 * cell, the typed editor's rows to and from an item, and the little
 * expression builder the query, scan and update forms share. Numbers stay
 * strings throughout, exactly as DynamoDB sends them.
 */

export const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M'];

/** The one type key of an AttributeValue. */
export function typeOf(av) {
  return av && typeof av === 'object' ? Object.keys(av)[0] : undefined;
}

/** A compact, single-line text of a value for a table cell. */
export function show(av, max = 120) {
  const t = typeOf(av);
  let s;
  switch (t) {
    case 'S': s = av.S; break;
    case 'N': s = av.N; break;
    case 'B': s = `b64:${av.B}`; break;
    case 'BOOL': s = String(av.BOOL); break;
    case 'NULL': s = 'null'; break;
    case 'SS': case 'NS': case 'BS': s = `{${av[t].map((v) => (t === 'SS' ? JSON.stringify(v) : v)).join(', ')}}`; break;
    case 'L': s = `[${av.L.map((v) => show(v, max)).join(', ')}]`; break;
    case 'M': s = `{${Object.entries(av.M).map(([k, v]) => `${k}: ${show(v, max)}`).join(', ')}}`; break;
    default: s = JSON.stringify(av);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The text the typed editor shows for a value of type t. */
export function editText(av) {
  const t = typeOf(av);
  switch (t) {
    case 'S': case 'N': case 'B': return av[t];
    case 'BOOL': return String(av.BOOL);
    case 'NULL': return '';
    case 'SS': case 'NS': case 'BS': return JSON.stringify(av[t]);
    default: return JSON.stringify(av[t]);
  }
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The AttributeValue of a typed editor row (type, text); throws a message for bad input. */
export function parseTyped(type, text, name = 'value') {
  switch (type) {
    case 'S': return { S: text };
    case 'N':
      if (!NUMBER.test(text.trim())) throw new Error(`${name}: '${text}' is not a number`);
      return { N: text.trim() };
    case 'B': return { B: text.trim() };
    case 'BOOL':
      if (!/^(true|false)$/i.test(text.trim())) throw new Error(`${name}: BOOL must be true or false`);
      return { BOOL: text.trim().toLowerCase() === 'true' };
    case 'NULL': return { NULL: true };
    case 'SS': case 'NS': case 'BS': {
      let list;
      try { list = JSON.parse(text); } catch { throw new Error(`${name}: a ${type} is a JSON array of strings, like ["a","b"]`); }
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string' && typeof v !== 'number')) throw new Error(`${name}: a ${type} is a JSON array of strings`);
      return { [type]: list.map(String) };
    }
    case 'L': case 'M': {
      let v;
      try { v = JSON.parse(text); } catch (e) { throw new Error(`${name}: not JSON (${e.message})`); }
      if (type === 'L' ? !Array.isArray(v) : (v === null || typeof v !== 'object' || Array.isArray(v))) {
        throw new Error(`${name}: an ${type} is a JSON ${type === 'L' ? 'array' : 'object'} of DynamoDB JSON values`);
      }
      return { [type]: v };
    }
    default: throw new Error(`${name}: unknown type ${type}`);
  }
}

/** Checks a DynamoDB JSON item's shape (the JSON editor's text); returns the item or throws. */
export function parseItemJson(text) {
  let item;
  try { item = JSON.parse(text); } catch (e) { throw new Error(`Not JSON: ${e.message}`); }
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new Error('An item is a JSON object of attribute names to DynamoDB JSON values, like {"pk": {"S": "a"}}');
  for (const [k, v] of Object.entries(item)) {
    const t = typeOf(v);
    if (!TYPES.includes(t) || Object.keys(v).length !== 1) throw new Error(`Attribute ${k}: not a DynamoDB JSON value (one of ${TYPES.join(', ')} as its only key)`);
  }
  return item;
}

/** Deep equality of AttributeValues (as JSON; sets compared in order). */
export function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The key attributes of an item under a key schema. */
export function keyOf(item, keySchema) {
  return Object.fromEntries(keySchema.map((k) => [k.AttributeName, item[k.AttributeName]]));
}

/** The attribute definitions' type of a name ('S' for an unknown one). */
export function attrType(table, name) {
  return table.AttributeDefinitions?.find((d) => d.AttributeName === name)?.AttributeType ?? 'S';
}

/**
 * Builds expressions with placeholders: names become #n0…, values :v0…
 * Never splices user text into an expression.
 */
export class ExpressionBuilder {
  constructor() {
    this.names = {};
    this.values = {};
    this.n = 0;
    this.v = 0;
  }
  name(attr) {
    const existing = Object.entries(this.names).find(([, a]) => a === attr);
    if (existing) return existing[0];
    const p = `#n${this.n++}`;
    this.names[p] = attr;
    return p;
  }
  value(av) {
    const p = `:v${this.v++}`;
    this.values[p] = av;
    return p;
  }
  /** One comparison: op is =, <>, <, <=, >, >=, begins_with, contains, between, attribute_exists, attribute_not_exists. */
  condition(attr, op, a, b) {
    const n = this.name(attr);
    switch (op) {
      case 'begins_with': case 'contains': return `${op}(${n}, ${this.value(a)})`;
      case 'attribute_exists': case 'attribute_not_exists': return `${op}(${n})`;
      case 'between': return `${n} BETWEEN ${this.value(a)} AND ${this.value(b)}`;
      default: return `${n} ${op} ${this.value(a)}`;
    }
  }
  /** The request fields, leaving out empty maps (DynamoDB refuses them). */
  fields() {
    const out = {};
    if (Object.keys(this.names).length) out.ExpressionAttributeNames = this.names;
    if (Object.keys(this.values).length) out.ExpressionAttributeValues = this.values;
    return out;
  }
}
