/**
 * @module metrics/registry
 * A small Prometheus registry: counters, gauges and histograms in labelled
 * families, rendered in the text exposition format (version 0.0.4).
 *
 * Built for a request path that must stay cheap: a series is looked up once
 * (by its label values) and kept by the caller, so recording is a field
 * increment — no string building, no allocation. Label values are escaped
 * and joined only when /metrics is scraped. Pure: no I/O, no clock.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export class Counter {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class Gauge {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
}

export class Histogram {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

type SeriesOf<T extends MetricType> = T extends 'counter' ? Counter : T extends 'gauge' ? Gauge : Histogram;

interface Entry<S> {
  readonly labels: readonly string[];
  readonly series: S;
}

/** One metric name: its help text, type, label names and series. */
export class Family<T extends MetricType = MetricType> {
  private readonly entries: Entry<SeriesOf<T>>[] = [];
  private readonly index = new Map<string, SeriesOf<T>>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: T,
    readonly labelNames: readonly string[],
    private readonly bounds: readonly number[] = [],
  ) {}

  /**
   * The series for these label values, made on first use. Callers on a hot
   * path keep the result rather than calling this per request.
   */
  series(...labelValues: string[]): SeriesOf<T> {
    if (labelValues.length !== this.labelNames.length) {
      throw new Error(`${this.name} takes ${this.labelNames.length} label values, not ${labelValues.length}`);
    }
    const key = labelValues.join('\u0000');
    let s = this.index.get(key);
    if (s === undefined) {
      s = this.make();
      this.index.set(key, s);
      this.entries.push({ labels: labelValues, series: s });
    }
    return s;
  }

  /** Forgets every series (a gauge family refilled at each scrape). */
  clear(): void {
    this.entries.length = 0;
    this.index.clear();
  }

  get size(): number {
    return this.entries.length;
  }

  private make(): SeriesOf<T> {
    const s = this.type === 'counter' ? new Counter() : this.type === 'gauge' ? new Gauge() : new Histogram(this.bounds);
    return s as SeriesOf<T>;
  }

  render(constLabels: string, out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`);
    for (const { labels, series } of this.entries) {
      const base = labelText(this.labelNames, labels, constLabels);
      if (series instanceof Histogram) {
        let cumulative = 0;
        for (let i = 0; i <= series.bounds.length; i++) {
          cumulative += series.counts[i]!;
          const le = i < series.bounds.length ? formatNumber(series.bounds[i]!) : '+Inf';
          const withLe = base === '' ? `le="${le}"` : `${base},le="${le}"`;
          out.push(`${this.name}_bucket{${withLe}} ${formatNumber(cumulative)}\n`);
        }
        const braces = base === '' ? '' : `{${base}}`;
        out.push(`${this.name}_sum${braces} ${formatNumber(series.sum)}\n`);
        out.push(`${this.name}_count${braces} ${formatNumber(series.count)}\n`);
      } else {
        out.push(`${this.name}${base === '' ? '' : `{${base}}`} ${formatNumber(series.value)}\n`);
      }
    }
  }
}

export class Registry {
  private readonly families: Family[] = [];
  private readonly collectors: (() => void | Promise<void>)[] = [];
  private readonly constLabels: string;

  /** `constLabels` are added to every series (e.g. a process label when several processes serve one store). */
  constructor(constLabels: Readonly<Record<string, string>> = {}) {
    this.constLabels = Object.entries(constLabels)
      .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
      .join(',');
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Family<'counter'> {
    return this.add(new Family(name, help, 'counter', labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Family<'gauge'> {
    return this.add(new Family(name, help, 'gauge', labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): Family<'histogram'> {
    return this.add(new Family(name, help, 'histogram', labelNames, bounds));
  }

  /** Runs before each scrape: refreshes gauges that are sampled rather than counted. */
  onCollect(collect: () => void | Promise<void>): void {
    this.collectors.push(collect);
  }

  /** The text exposition format. */
  async render(): Promise<string> {
    for (const collect of this.collectors) await collect();
    const out: string[] = [];
    for (const family of this.families) family.render(this.constLabels, out);
    return out.join('');
  }

  private add<T extends MetricType>(family: Family<T>): Family<T> {
    if (this.families.some((f) => f.name === family.name)) throw new Error(`metric ${family.name} registered twice`);
    this.families.push(family as unknown as Family);
    return family;
  }
}

/** The content type of the text exposition format. */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Labels with an empty value are left out: Prometheus treats them as absent anyway. */
function labelText(names: readonly string[], values: readonly string[], constLabels: string): string {
  let text = constLabels;
  for (let i = 0; i < names.length; i++) {
    const v = values[i]!;
    if (v === '') continue;
    const pair = `${names[i]}="${escapeLabelValue(v)}"`;
    text = text === '' ? pair : `${text},${pair}`;
  }
  return text;
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}
