import { readFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { ALL_METRICS, API_DEFAULT_PREFIX, ENGINE_DEFAULT_PREFIX } from './catalog';
import { METRICS_TABLE_END, METRICS_TABLE_START, regenerateOperationsDoc } from './docs';
import { promtoolCheckConfig, promtoolCheckRules } from './promtool';

const root = path.resolve(import.meta.dirname, '../../..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
const RULES = path.join(root, 'ops/prometheus/veloz-alerts.yml');

/** Metric names a PromQL expression refers to (identifiers followed by `{`, `[`, `)` or space, `veloz_` only). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(veloz_[a-z0-9_]+)/g)].map((m) => m[1]!);
}
const known = new Set(
  ALL_METRICS.flatMap((d) =>
    d.type === 'histogram' ? [d.name, `${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`] : [d.name],
  ),
);
const isKnown = (n: string) =>
  known.has(n) ||
  n.startsWith(ENGINE_DEFAULT_PREFIX + 'process_') ||
  n.startsWith(ENGINE_DEFAULT_PREFIX + 'nodejs_') ||
  n.startsWith(API_DEFAULT_PREFIX);

describe('ops/prometheus and ops/grafana', () => {
  it('the alert rules pass promtool check rules and use only defined metrics', async () => {
    const r = await promtoolCheckRules(RULES);
    expect(r.output).toMatch(/SUCCESS: 12 rules found/);
    expect(r.ok).toBe(true);
    const names = metricNames(read('ops/prometheus/veloz-alerts.yml').replace(/^\s*#.*$/gm, ''));
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) expect(isKnown(n), n).toBe(true);
    for (const a of [
      'EngineDown',
      'VenueDisconnected',
      'ReconnectStorm',
      'WalAppendSlow',
      'ReplayCorruptEntries',
      'ReconciliationMismatches',
      'AckLatencyHigh',
      'RejectionRateHigh',
    ])
      expect(read('ops/prometheus/veloz-alerts.yml')).toContain(`alert: Veloz${a}`);
  });

  it('the scrape config passes promtool check config', async () => {
    const r = await promtoolCheckConfig(path.join(root, 'ops/prometheus/prometheus.yml'));
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.ok).toBe(true);
  });

  it('every Grafana panel query uses only defined metrics', () => {
    const dash = JSON.parse(read('ops/grafana/veloz.json')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dash.panels.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const p of dash.panels)
      for (const t of p.targets)
        for (const n of metricNames(t.expr)) {
          expect(isKnown(n), `${p.title}: ${n}`).toBe(true);
          used.add(n.replace(/_(bucket|sum|count)$/, ''));
        }
    expect(used).toContain('veloz_reconnect_count_total');
    expect(used).toContain('veloz_engine_up');
  });
});

describe('docs/operations.md', () => {
  it('is up to date with the catalog and the ops files (npm run docs -w @veloz/metrics)', async () => {
    const file = path.join(root, 'docs/operations.md');
    const doc = read('docs/operations.md');
    const next = await format(regenerateOperationsDoc(doc, read), {
      ...(await resolveConfig(file)),
      filepath: file,
    });
    expect(next).toBe(doc);
  });

  it('lists exactly the catalog metrics in its table', () => {
    const doc = read('docs/operations.md');
    const table = doc.slice(doc.indexOf(METRICS_TABLE_START), doc.indexOf(METRICS_TABLE_END));
    const listed = [...table.matchAll(/^\|\s*`(veloz_[a-z0-9_]+)`/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(ALL_METRICS.map((d) => d.name).sort());
    expect(doc).toContain('ops/grafana/veloz.json');
  });
});
