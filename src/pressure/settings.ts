/**
 * @module pressure/settings
 * The settings of the pressure modes (docs/pressure.md) and their text
 * forms, shared by the server flags (`--throttle`, `--lag-ms`, `--faults`,
 * `--seed`), the table tags (`openddb:throttle`, `openddb:lag-ms`,
 * `openddb:faults`) and the admin endpoint. A fault spec uses only
 * characters a DynamoDB tag value allows (letters, digits, spaces and
 * `_ . : / = + - @`), so one syntax serves all three:
 *
 *   RULE [RULE…]            rules separated by spaces (or commas, outside tags)
 *   RULE = KIND[=PARAM]:WHEN[:OP[+OP…]][@TABLE]
 *   KIND = 500 | 503 | timeout | drop | latency | conflict
 *   PARAM: latency: MS or MIN-MAX; timeout: how long the answer is held (ms)
 *   WHEN = a rate from 0 to 1 | next=N (the next N matching requests)
 *
 * e.g. `500:0.1`, `503:next=3:PutItem+GetItem`, `latency=20-80:1@Orders`.
 */

export type FaultKind = 'internal' | 'unavailable' | 'timeout' | 'drop' | 'latency' | 'conflict';

export interface FaultRule {
  readonly kind: FaultKind;
  /** Probability per matching request (0–1); absent with `count`. */
  readonly rate?: number;
  /** Fires for the next `count` matching requests, then never again. */
  readonly count?: number;
  /** Operation names the rule applies to; absent: every operation. */
  readonly operations?: readonly string[];
  /** Table name the rule applies to; absent: every table (and requests with none). */
  readonly table?: string;
  /** latency: the delay's bounds; timeout: how long the answer is held before the connection is dropped. */
  readonly minMs: number;
  readonly maxMs: number;
  /** The rule as written, for the admin endpoint's answer. */
  readonly text: string;
}

/** Milliseconds of replication lag: a fixed value (min = max) or uniform within bounds. */
export interface LagRange {
  readonly minMs: number;
  readonly maxMs: number;
}

/** How long a `timeout` fault holds the answer when its spec names no time. */
export const DEFAULT_TIMEOUT_HOLD_MS = 60_000;

const KINDS: Readonly<Record<string, FaultKind>> = {
  '500': 'internal',
  internal: 'internal',
  '503': 'unavailable',
  unavailable: 'unavailable',
  timeout: 'timeout',
  drop: 'drop',
  latency: 'latency',
  conflict: 'conflict',
};

/** The longest delay a rule or lag may ask for: an hour is surely a typo. */
const MAX_MS = 3_600_000;

/** `MS` or `MIN-MAX` (whole milliseconds); a string is the problem. */
export function parseLag(text: string): LagRange | string {
  const m = /^\s*(\d+)(?:\s*-\s*(\d+))?\s*$/.exec(text);
  if (m === null) return `lag must be MS or MIN-MAX in whole milliseconds, not '${text}'`;
  const minMs = Number(m[1]);
  const maxMs = m[2] === undefined ? minMs : Number(m[2]);
  if (maxMs < minMs || maxMs > MAX_MS) return `lag bounds must be MIN <= MAX <= ${MAX_MS} ms, not '${text}'`;
  return { minMs, maxMs };
}

/** A fault spec (see the module comment); `table` scopes every rule (a table's tag). A string is the problem. */
export function parseFaults(text: string, table?: string): FaultRule[] | string {
  const rules: FaultRule[] = [];
  for (const word of text.split(/[\s,]+/)) {
    if (word === '') continue;
    const rule = parseRule(word, table);
    if (typeof rule === 'string') return rule;
    rules.push(rule);
  }
  return rules;
}

function parseRule(word: string, scopedTable: string | undefined): FaultRule | string {
  const at = word.indexOf('@');
  const table = at === -1 ? scopedTable : word.slice(at + 1);
  if (at !== -1 && (scopedTable !== undefined || table === '')) return `fault rule '${word}': a table's tag names no other table`;
  const [head = '', when = '', ops, ...extra] = (at === -1 ? word : word.slice(0, at)).split(':');
  if (extra.length > 0) return `fault rule '${word}' has too many ':' parts (KIND[=PARAM]:WHEN[:OPS][@TABLE])`;
  const eq = head.indexOf('=');
  const kindName = (eq === -1 ? head : head.slice(0, eq)).toLowerCase();
  const kind = KINDS[kindName];
  if (kind === undefined) return `fault rule '${word}': unknown kind '${kindName}' (500, 503, timeout, drop, latency or conflict)`;
  let minMs = 0;
  let maxMs = 0;
  if (eq !== -1) {
    if (kind !== 'latency' && kind !== 'timeout') return `fault rule '${word}': only latency and timeout take a time`;
    const range = parseLag(head.slice(eq + 1));
    if (typeof range === 'string') return `fault rule '${word}': ${range}`;
    ({ minMs, maxMs } = range);
  } else if (kind === 'latency') {
    return `fault rule '${word}': latency needs a time, e.g. latency=50 or latency=20-80`;
  } else if (kind === 'timeout') {
    minMs = maxMs = DEFAULT_TIMEOUT_HOLD_MS;
  }
  let rate: number | undefined;
  let count: number | undefined;
  const next = /^next=(\d+)$/.exec(when);
  if (next !== null) count = Number(next[1]);
  else if (/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(when)) rate = Number(when);
  else return `fault rule '${word}': WHEN must be a rate from 0 to 1 or next=N, not '${when}'`;
  const operations = ops === undefined || ops === '' ? undefined : ops.split('+');
  if (operations?.some((o) => !/^[A-Za-z]+$/.test(o))) return `fault rule '${word}': operations are names like PutItem, joined by '+'`;
  return {
    kind,
    ...(rate !== undefined ? { rate } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(operations !== undefined ? { operations } : {}),
    ...(table !== undefined ? { table } : {}),
    minMs,
    maxMs,
    text: word,
  };
}

/** The table tags that switch modes per table (docs/pressure.md). */
export const TAG_THROTTLE = 'openddb:throttle';
export const TAG_LAG = 'openddb:lag-ms';
export const TAG_FAULTS = 'openddb:faults';
export const TAG_TXN = 'openddb:txn-ms';
export const TAG_PREFIX = 'openddb:';

/** A table's own settings from its tags; absent members follow the server. */
export interface TableSettings {
  readonly throttle?: boolean;
  /** null: no lag for this table, whatever the server's. */
  readonly lag?: LagRange | null;
  readonly faults?: readonly FaultRule[];
  /** Contention mode's hold; null: off for this table. */
  readonly txnMs?: LagRange | null;
  /** Tags that did not parse, for the log. */
  readonly problems: readonly string[];
}

export function tableSettings(tableName: string, tags: Readonly<Record<string, string>>): TableSettings {
  const problems: string[] = [];
  let throttle: boolean | undefined;
  let lag: LagRange | null | undefined;
  let faults: FaultRule[] | undefined;
  const t = tags[TAG_THROTTLE];
  if (t !== undefined) {
    const v = t.trim().toLowerCase();
    if (v === 'on' || v === 'true') throttle = true;
    else if (v === 'off' || v === 'false') throttle = false;
    else problems.push(`${TAG_THROTTLE} must be on or off, not '${t}'`);
  }
  const l = tags[TAG_LAG];
  if (l !== undefined) {
    const v = l.trim().toLowerCase();
    const range = v === 'off' ? null : parseLag(v);
    if (typeof range === 'string') problems.push(`${TAG_LAG}: ${range}`);
    else lag = range === null || range.maxMs === 0 ? null : range;
  }
  let txnMs: LagRange | null | undefined;
  const x = tags[TAG_TXN];
  if (x !== undefined) {
    const v = x.trim().toLowerCase();
    const range = v === 'off' ? null : parseLag(v);
    if (typeof range === 'string') problems.push(`${TAG_TXN}: ${range}`);
    else txnMs = range === null || range.maxMs === 0 ? null : range;
  }
  const f = tags[TAG_FAULTS];
  if (f !== undefined) {
    const rules = parseFaults(f, tableName);
    if (typeof rules === 'string') problems.push(`${TAG_FAULTS}: ${rules}`);
    else faults = rules;
  }
  return {
    ...(throttle !== undefined ? { throttle } : {}),
    ...(lag !== undefined ? { lag } : {}),
    ...(faults !== undefined ? { faults } : {}),
    ...(txnMs !== undefined ? { txnMs } : {}),
    problems,
  };
}

/** Whether a table's tags name any pressure setting. */
export function hasPressureTags(tags: Readonly<Record<string, string>>): boolean {
  for (const key in tags) if (key.startsWith(TAG_PREFIX)) return true;
  return false;
}
