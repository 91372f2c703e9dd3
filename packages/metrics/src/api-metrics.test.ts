import { afterEach, describe, expect, it } from 'vitest';
import { createApiMetrics, engineExposition } from './api-metrics';
import { ALL_METRICS, API_DEFAULT_PREFIX, ENGINE_DEFAULT_PREFIX } from './catalog';
import { parseExposition, sampleValue } from './exposition';
import { promtoolCheckMetrics } from './promtool';
import { order, startRig, type Rig } from './test-kit';

const rigs: Rig[] = [];
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((r) => r.stop()));
});

describe('createApiMetrics', () => {
  it('merges the API and engine expositions into one that passes promtool and lists every documented metric', async () => {
    const rig = await startRig();
    rigs.push(rig);
    expect((await rig.engine.placeOrder(order('a-1'))).ok).toBe(true);
    const api = createApiMetrics();
    const done = api.startHttpTimer('post', '/graphql');
    done(200);
    api.observeHttp('GET', '/api/health', 503, 0.002);
    api.wsConnected();
    api.wsConnected();
    api.wsDisconnected();
    api.subscriptionStarted('kpis');
    api.subscriptionStarted('orderEvents');
    api.subscriptionEnded('orderEvents');

    const text = await api.exposition({ text: await rig.metrics.metrics(), heartbeat: true });
    const check = await promtoolCheckMetrics(text);
    expect(check.output).toBe('');
    expect(check.ok).toBe(true);
    // parseExposition throws on a second HELP/TYPE for a family.
    const f = parseExposition(text);
    for (const d of ALL_METRICS) expect(f.find((x) => x.name === d.name)?.type, d.name).toBe(d.type);
    expect(f.some((x) => x.name.startsWith(ENGINE_DEFAULT_PREFIX + 'process_'))).toBe(true);
    expect(f.some((x) => x.name.startsWith(API_DEFAULT_PREFIX + 'process_'))).toBe(true);
    expect(
      sampleValue(f, 'veloz_http_requests_total', { method: 'POST', route: '/graphql', status: '200' }),
    ).toBe(1);
    expect(
      sampleValue(f, 'veloz_http_request_duration_seconds_count', { route: '/api/health', status: '503' }),
    ).toBe(1);
    expect(sampleValue(f, 'veloz_graphql_ws_connections')).toBe(1);
    expect(sampleValue(f, 'veloz_graphql_subscriptions', { field: 'kpis' })).toBe(1);
    expect(sampleValue(f, 'veloz_graphql_subscriptions', { field: 'orderEvents' })).toBe(0);
    expect(sampleValue(f, 'veloz_engine_up')).toBe(1);
    expect(sampleValue(f, 'veloz_orders_accepted_total')).toBe(1);

    // The heartbeat expired: the stored text is stale, the engine is down.
    const stale = parseExposition(
      await api.exposition({ text: await rig.metrics.metrics(), heartbeat: false }),
    );
    expect(sampleValue(stale, 'veloz_engine_up')).toBe(0);
    expect(sampleValue(stale, 'veloz_orders_accepted_total')).toBe(1);
    // No engine text at all: only engine_up 0, and the scrape is still clean.
    const none = await api.exposition({ text: undefined, heartbeat: false });
    expect(sampleValue(parseExposition(none), 'veloz_engine_up')).toBe(0);
    expect((await promtoolCheckMetrics(none)).ok).toBe(true);
  });

  it('engineExposition survives a corrupt engine text', () => {
    const f = parseExposition(engineExposition({ text: 'garbage{ here', heartbeat: true }));
    expect(f.map((x) => x.name)).toEqual(['veloz_engine_up']);
    expect(sampleValue(f, 'veloz_engine_up')).toBe(0);
  });
});
