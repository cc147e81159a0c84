/**
 * @module console/prom.test
 * The metrics page's Prometheus text parser (src/console/assets/prom.js),
 * run in Node on the text a real server's registry renders, against an
 * independent parser (parse-prometheus-text-format).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ServerMetrics } from '../metrics/server-metrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface PromModule {
  parsePrometheus(text: string): Sample[];
  sum(samples: Sample[], name: string, match?: Record<string, string>): number | undefined;
}
interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[];
}

const load = async () => (await import(new URL('../../console/prom.js', import.meta.url).href)) as PromModule;

describe("the console's Prometheus parser", () => {
  it('reads what the server renders as an independent parser does', async () => {
    const { parsePrometheus, sum } = await load();
    const metrics = new ServerMetrics({ process: 'a "quoted"\\ name\nwith a newline' });
    metrics.read('orders', 2.5);
    metrics.write('orders', 1, 'by-status');
    metrics.returnedItems('orders', 'Query', 7);
    metrics.table('orders').operation('Query').latency.observe(0.0004);
    metrics.table('orders').operation('Query').latency.observe(0.02);
    metrics.streamRecordsWritten('orders', 3);
    metrics.backfillProgress('orders', 'by-status', 42.5);
    const text = await metrics.registry.render();
    const mine = parsePrometheus(text);
    assert.ok(mine.length > 10, 'the registry renders series');
    const theirs = (createRequire(import.meta.url)('parse-prometheus-text-format') as (t: string) => Family[])(text);
    let compared = 0;
    for (const family of theirs) {
      if (family.type === 'HISTOGRAM') {
        // That parser keeps only each series' buckets: compare the totals.
        const total = family.metrics.reduce((t, m) => t + Number(m.buckets?.['+Inf'] ?? 0), 0);
        assert.equal(sum(mine, `${family.name}_count`) ?? 0, total, family.name);
        compared++;
        continue;
      }
      for (const m of family.metrics) {
        if (m.value !== undefined) {
          const found = mine.find((s) => s.name === family.name && JSON.stringify(s.labels) === JSON.stringify(m.labels ?? {}));
          assert.ok(found, `${family.name} ${JSON.stringify(m.labels)}`);
          assert.equal(found.value, Number(m.value));
          compared++;
        }
      }
    }
    assert.ok(compared > 5);
    assert.ok(mine.every((s) => s.labels.process === 'a "quoted"\\ name\nwith a newline'));
  });

  it('reads labels with escapes, special values and timestamps', async () => {
    const { parsePrometheus } = await load();
    const samples = parsePrometheus(
      '# HELP x help\n# TYPE x counter\nx{a="1",b="q\\"x\\\\y\\nz"} 3 1700000000000\ny +Inf\nz{} NaN\nw{le="0.5",} -2.5e-3\n',
    );
    assert.deepEqual(samples[0], { name: 'x', labels: { a: '1', b: 'q"x\\y\nz' }, value: 3 });
    assert.equal(samples[1]!.value, Infinity);
    assert.ok(Number.isNaN(samples[2]!.value));
    assert.deepEqual(samples[3], { name: 'w', labels: { le: '0.5' }, value: -0.0025 });
  });
});
