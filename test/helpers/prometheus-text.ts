/**
 * @module test/helpers/prometheus-text
 * A strict parser of Prometheus' text exposition format (0.0.4), for the
 * metrics tests: anything the format does not allow throws, so a test
 * fails on a malformed scrape rather than reading around it. (No npm
 * parser fitted: the one maintained for the purpose pulls in a runtime
 * dependency for a few dozen lines of work.)
 *
 * Checked: HELP/TYPE lines (one TYPE per family, before its samples),
 * metric and label names, label value escapes, sample values, that every
 * sample belongs to the family declared for it (histograms: _bucket with
 * `le`, _sum, _count), no duplicate series, and histogram buckets that are
 * cumulative and end in +Inf equal to _count.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  help: string | undefined;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new Error('the exposition must end with a newline');
  lines.pop();
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (m === null) return; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type, ${where}`);
        if (families.has(name) && families.get(name)!.samples.length > 0) throw new Error(`TYPE after samples, ${where}`);
        if (families.has(name) && families.get(name)!.type !== 'untyped') throw new Error(`second TYPE, ${where}`);
        const help = families.get(name)?.help;
        families.set(name, { name, type: rest, help, samples: [] });
      } else {
        const family = families.get(name) ?? { name, type: 'untyped', help: undefined, samples: [] };
        if (family.help !== undefined) throw new Error(`second HELP, ${where}`);
        family.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
        families.set(name, family);
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (family === undefined) throw new Error(`sample of an undeclared family, ${where}`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series, ${where}`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function familyOf(families: Map<string, MetricFamily>, sampleName: string): MetricFamily | undefined {
  const direct = families.get(sampleName);
  if (direct !== undefined && direct.type !== 'histogram' && direct.type !== 'summary') return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family?.type === 'histogram' || (family?.type === 'summary' && suffix !== '_bucket')) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  if (!NAME.test(name)) throw new Error(`bad metric name, ${where}`);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq === -1) throw new Error(`bad labels, ${where}`);
      const labelName = line.slice(i, eq);
      if (!LABEL_NAME.test(labelName)) throw new Error(`bad label name '${labelName}', ${where}`);
      if (labelName in labels) throw new Error(`repeated label, ${where}`);
      if (line[eq + 1] !== '"') throw new Error(`label value must be quoted, ${where}`);
      let value = '';
      let j = eq + 2;
      for (;;) {
        const ch = line[j];
        if (ch === undefined) throw new Error(`unterminated label value, ${where}`);
        if (ch === '"') break;
        if (ch === '\\') {
          const next = line[j + 1];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`bad escape in label value, ${where}`);
          j += 2;
        } else {
          value += ch;
          j++;
        }
      }
      labels[labelName] = value;
      i = j + 1;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`expected , or } in labels, ${where}`);
    }
    i++;
  }
  if (line[i] !== ' ') throw new Error(`expected a space before the value, ${where}`);
  const parts = line.slice(i + 1).split(' ');
  if (parts.length > 2 || (parts.length === 2 && !/^-?\d+$/.test(parts[1]!))) throw new Error(`bad value or timestamp, ${where}`);
  return { name, labels, value: parseValue(parts[0]!, where) };
}

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value '${text}', ${where}`);
  return Number(text);
}

function checkHistogram(family: MetricFamily): void {
  const bySeries = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = bySeries.get(key) ?? { buckets: [] };
    bySeries.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${s.name} without le`);
      entry.buckets.push([parseValue(le, s.name), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
  }
  for (const [key, { buckets, count }] of bySeries) {
    const last = buckets[buckets.length - 1];
    if (last === undefined || last[0] !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]![0] > buckets[i - 1]![0]) || buckets[i]![1] < buckets[i - 1]![1]) {
        throw new Error(`${family.name}${key}: buckets not increasing and cumulative`);
      }
    }
    if (count !== last[1]) throw new Error(`${family.name}${key}: +Inf bucket ${last[1]} differs from _count ${count}`);
  }
}

/**
 * The sum of a metric's samples whose labels include `labels` (0 when none
 * match). `sampleName` may be a family (counter, gauge) or a histogram's
 * _count / _sum / _bucket.
 */
export function valueOf(families: Map<string, MetricFamily>, sampleName: string, labels: Labels = {}): number {
  const family = familyOf(families, sampleName);
  if (family === undefined) throw new Error(`no metric ${sampleName}`);
  let total = 0;
  for (const s of family.samples) {
    if (s.name !== sampleName) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
