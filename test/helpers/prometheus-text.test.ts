/**
 * @module test/helpers/prometheus-text.test
 * The metrics tests' parser accepts the format and refuses what it must.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, valueOf } from './prometheus-text.js';

const GOOD = `# HELP reqs_total Requests, with a \\\\ and a \\n in help
# TYPE reqs_total counter
reqs_total{table="a\\"b",op="Get"} 3
reqs_total{table="c",op="Get"} 4 1700000000000
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} 1
lat_seconds_bucket{le="1"} 2
lat_seconds_bucket{le="+Inf"} 3
lat_seconds_sum 2.5
lat_seconds_count 3
# a comment
# TYPE g gauge
g 1.5e-3
`;

describe('parsePrometheusText', () => {
  it('reads families, labels, escapes and values', () => {
    const f = parsePrometheusText(GOOD);
    assert.equal(f.get('reqs_total')!.type, 'counter');
    assert.equal(f.get('reqs_total')!.help, 'Requests, with a \\ and a \n in help');
    assert.deepEqual(f.get('reqs_total')!.samples[0]!.labels, { table: 'a"b', op: 'Get' });
    assert.equal(valueOf(f, 'reqs_total'), 7);
    assert.equal(valueOf(f, 'reqs_total', { table: 'c' }), 4);
    assert.equal(valueOf(f, 'lat_seconds_count'), 3);
    assert.equal(valueOf(f, 'lat_seconds_bucket', { le: '1' }), 2);
    assert.equal(valueOf(f, 'g'), 0.0015);
  });

  const bad: [string, string][] = [
    ['no final newline', '# TYPE a counter\na 1'],
    ['an undeclared family', 'a 1\n'],
    ['an unquoted label value', '# TYPE a counter\na{x=1} 1\n'],
    ['a bad escape', '# TYPE a counter\na{x="\\t"} 1\n'],
    ['a bad value', '# TYPE a counter\na 1,5\n'],
    ['a duplicate series', '# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n'],
    ['a bad type', '# TYPE a countr\na 1\n'],
    ['a bad label name', '# TYPE a counter\na{1x="1"} 1\n'],
    ['buckets that are not cumulative', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 0\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_count 2\nh_sum 0\n'],
    ['a +Inf bucket that is not _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\nh_sum 0\n'],
    ['a histogram bucket without le', '# TYPE h histogram\nh_bucket 2\n'],
  ];
  for (const [what, text] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parsePrometheusText(text));
    });
  }
});
