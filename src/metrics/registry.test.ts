/**
 * @module metrics/registry.test
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from './registry.js';
import { ServerMetrics } from './server-metrics.js';

describe('Registry', () => {
  it('renders counters, gauges and histograms in the text format', async () => {
    const r = new Registry();
    const c = r.counter('x_total', 'X things', ['table', 'index']);
    c.series('t"1', '').inc(2);
    c.series('t"1', 'g').inc();
    r.gauge('y', 'Y\nlevel').series().set(1.5);
    const h = r.histogram('z_seconds', 'Z', ['op'], [0.1, 1]);
    const s = h.series('Get');
    s.observe(0.05);
    s.observe(0.1);
    s.observe(5);
    assert.equal(
      await r.render(),
      [
        '# HELP x_total X things',
        '# TYPE x_total counter',
        'x_total{table="t\\"1"} 2',
        'x_total{table="t\\"1",index="g"} 1',
        '# HELP y Y\\nlevel',
        '# TYPE y gauge',
        'y 1.5',
        '# HELP z_seconds Z',
        '# TYPE z_seconds histogram',
        'z_seconds_bucket{op="Get",le="0.1"} 2',
        'z_seconds_bucket{op="Get",le="1"} 2',
        'z_seconds_bucket{op="Get",le="+Inf"} 3',
        'z_seconds_sum{op="Get"} 5.15',
        'z_seconds_count{op="Get"} 3',
        '',
      ].join('\n'),
    );
  });

  it('gives the same series for the same labels, and adds constant labels', async () => {
    const r = new Registry({ process: '2' });
    const f = r.counter('a_total', 'A', ['t']);
    f.series('x').inc();
    f.series('x').inc();
    assert.equal(f.size, 1);
    assert.match(await r.render(), /^a_total\{process="2",t="x"\} 2$/m);
    assert.throws(() => f.series('x', 'y'), /takes 1 label values/);
    assert.throws(() => r.counter('a_total', 'again'), /registered twice/);
  });

  it('runs collectors before rendering', async () => {
    const r = new Registry();
    const g = r.gauge('g', 'G').series();
    let n = 0;
    r.onCollect(() => {
      g.set(++n);
    });
    assert.match(await r.render(), /^g 1$/m);
    assert.match(await r.render(), /^g 2$/m);
  });
});

describe('ServerMetrics', () => {
  it('counts capacity by table and global index, and caps the number of tables', async () => {
    const m = new ServerMetrics();
    m.read('t', 0.5);
    m.read('t', 1);
    m.read('t', 2, 'byEmail');
    m.write('t', 3);
    m.returnedItems('t', 'Query', 4);
    const text = await m.registry.render();
    assert.match(text, /^openddb_dynamodb_consumed_read_capacity_units_total\{table="t"\} 1.5$/m);
    assert.match(text, /^openddb_dynamodb_consumed_read_capacity_units_total\{table="t",global_secondary_index="byEmail"\} 2$/m);
    assert.match(text, /^openddb_dynamodb_consumed_write_capacity_units_total\{table="t"\} 3$/m);
    assert.match(text, /^openddb_dynamodb_returned_item_count_total\{table="t",operation="Query"\} 4$/m);
    for (let i = 0; i < 10_005; i++) m.table(`t${i}`);
    assert.equal(m.table('one-more').name, '_other');
  });
});
