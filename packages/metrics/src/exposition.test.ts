import { describe, expect, it } from 'vitest';
import { MetricsError } from './errors';
import { mergeExpositions, parseExposition, renderExposition, sampleValue } from './exposition';

const TEXT = `# HELP veloz_x_total Things "counted".\\nSecond line with \\\\ backslash.
# TYPE veloz_x_total counter
veloz_x_total{venue="a",note="q\\"uote\\\\ and\\nnewline"} 3
veloz_x_total{venue="b"} 4 1700000000000
# a plain comment
# HELP veloz_lat_seconds Latency.
# TYPE veloz_lat_seconds histogram
veloz_lat_seconds_bucket{le="0.1"} 1
veloz_lat_seconds_bucket{le="+Inf"} 2
veloz_lat_seconds_sum 0.35
veloz_lat_seconds_count 2
# TYPE veloz_age_seconds gauge
veloz_age_seconds Nan
untyped_thing 1e-3
`;

describe('parseExposition', () => {
  it('parses families, label escapes, suffixed samples, NaN and timestamps', () => {
    const f = parseExposition(TEXT);
    expect(f.map((x) => [x.name, x.type, x.samples.length])).toEqual([
      ['veloz_x_total', 'counter', 2],
      ['veloz_lat_seconds', 'histogram', 4],
      ['veloz_age_seconds', 'gauge', 1],
      ['untyped_thing', 'untyped', 1],
    ]);
    expect(f[0]!.help).toBe('Things "counted".\nSecond line with \\ backslash.');
    expect(f[0]!.samples[0]!.labels).toEqual({ venue: 'a', note: 'q"uote\\ and\nnewline' });
    expect(f[0]!.samples[1]!.timestamp).toBe(1700000000000);
    expect(sampleValue(f, 'veloz_lat_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(sampleValue(f, 'veloz_age_seconds')).toBeNaN();
    expect(sampleValue(f, 'untyped_thing')).toBe(0.001);
    expect(sampleValue(f, 'veloz_x_total', { venue: 'zzz' })).toBeUndefined();
  });

  it('round-trips through renderExposition', () => {
    const f = parseExposition(TEXT);
    expect(parseExposition(renderExposition(f))).toEqual(f);
  });

  it.each([
    ['bad value', 'x 1two'],
    ['unterminated label', 'x{a="b} 1'],
    ['repeated label', 'x{a="1",a="2"} 1'],
    ['bad name', '1x 1'],
    ['unknown type', '# TYPE x thing'],
    ['second TYPE', '# TYPE x gauge\n# TYPE x gauge'],
    ['missing value', 'x{a="1"}'],
  ])('rejects %s', (_what, text) => {
    expect(() => parseExposition(text)).toThrow(MetricsError);
  });
});

describe('mergeExpositions', () => {
  it('declares each family once, keeps the first of duplicate samples, adds new label sets', () => {
    const a = '# HELP m_total A.\n# TYPE m_total counter\nm_total{v="1"} 1\n# TYPE g gauge\ng 5\n';
    const b =
      '# HELP m_total B.\n# TYPE m_total counter\nm_total{v="1"} 9\nm_total{v="2"} 2\n# TYPE n gauge\nn 7\n';
    const merged = mergeExpositions([a, b]);
    expect(merged.match(/# TYPE m_total/g)).toHaveLength(1);
    expect(merged.match(/# HELP m_total/g)).toHaveLength(1);
    const f = parseExposition(merged);
    expect(f.find((x) => x.name === 'm_total')!.help).toBe('A.');
    expect(sampleValue(f, 'm_total', { v: '1' })).toBe(1);
    expect(sampleValue(f, 'm_total', { v: '2' })).toBe(2);
    expect(sampleValue(f, 'g')).toBe(5);
    expect(sampleValue(f, 'n')).toBe(7);
  });

  it('drops a later family whose type disagrees', () => {
    const f = parseExposition(mergeExpositions(['# TYPE g gauge\ng 1\n', '# TYPE g counter\ng 2\n']));
    expect(f).toHaveLength(1);
    expect(f[0]!.samples.map((s) => s.value)).toEqual([1]);
  });
});
