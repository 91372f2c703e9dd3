import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS } from './catalog';
import { parseExposition, sampleValue } from './exposition';
import { createCounterSync, FastHistogram, registerDefaultMetrics } from './registry';

describe('FastHistogram', () => {
  it('exposes exactly what prom-client Histogram exposes for the same observations', async () => {
    const fastReg = new Registry();
    const refReg = new Registry();
    const fast = new FastHistogram('veloz_x_seconds', 'X.', LATENCY_BUCKETS);
    fastReg.registerMetric(fast as unknown as Parameters<Registry['registerMetric']>[0]);
    const ref = new Histogram({
      name: 'veloz_x_seconds',
      help: 'X.',
      buckets: [...LATENCY_BUCKETS],
      registers: [refReg],
    });
    const values = [0, 0.0001, 0.00011, 0.003, 0.003, 0.5, 10, 11, 1e-9, 2.5];
    for (const v of values) {
      fast.observe(v);
      ref.observe(v);
    }
    expect(await fastReg.metrics()).toBe(await refReg.metrics());
    expect(
      sampleValue(parseExposition(await fastReg.metrics()), 'veloz_x_seconds_bucket', { le: '0.0001' }),
    ).toBe(3);
    expect(() => fast.observe({ a: 'b' }, 1)).toThrow(TypeError);
    fast.reset();
    expect(sampleValue(parseExposition(await fastReg.metrics()), 'veloz_x_seconds_count')).toBe(0);
  });
});

describe('createCounterSync', () => {
  it('follows a cumulative source and counts from zero again after it restarts', async () => {
    const reg = new Registry();
    const c = new Counter({ name: 'veloz_y_total', help: 'Y.', labelNames: ['v'], registers: [reg] });
    const sync = createCounterSync();
    sync(c, 5, { v: 'a' });
    sync(c, 8, { v: 'a' });
    sync(c, 2, { v: 'a' }); // the source restarted at 0 and counted 2
    sync(c, 1, { v: 'b' });
    const f = parseExposition(await reg.metrics());
    expect(sampleValue(f, 'veloz_y_total', { v: 'a' })).toBe(10);
    expect(sampleValue(f, 'veloz_y_total', { v: 'b' })).toBe(1);
  });
});

describe('registerDefaultMetrics', () => {
  it('keeps prom-client defaults under the prefix and drops the *_total gauges', async () => {
    const reg = new Registry();
    const dropped = registerDefaultMetrics(reg, 'veloz_t_');
    expect(dropped.sort()).toEqual([
      'veloz_t_nodejs_active_handles_total',
      'veloz_t_nodejs_active_requests_total',
      'veloz_t_nodejs_active_resources_total',
    ]);
    const names = parseExposition(await reg.metrics()).map((f) => f.name);
    expect(names).toContain('veloz_t_process_resident_memory_bytes');
    expect(names.filter((n) => n.endsWith('_total') && !n.includes('seconds'))).toEqual([]);
  });

  it('creates the process metrics once per prefix and registers the same objects in every registry', async () => {
    const a = new Registry();
    const b = new Registry();
    const droppedA = registerDefaultMetrics(a, 'veloz_s_');
    const droppedB = registerDefaultMetrics(b, 'veloz_s_');
    expect(droppedB).toEqual(droppedA);
    const name = 'veloz_s_process_resident_memory_bytes';
    expect(a.getSingleMetric(name)).toBeDefined();
    expect(b.getSingleMetric(name)).toBe(a.getSingleMetric(name));
    // Each registry still exposes all of them.
    const namesA = parseExposition(await a.metrics()).map((f) => f.name);
    const namesB = parseExposition(await b.metrics()).map((f) => f.name);
    expect(namesB).toEqual(namesA);
    expect(namesA).toContain('veloz_s_nodejs_eventloop_lag_p99_seconds');
    // Another prefix gets its own set.
    const c = new Registry();
    registerDefaultMetrics(c, 'veloz_u_');
    expect(c.getSingleMetric('veloz_u_process_resident_memory_bytes')).not.toBe(a.getSingleMetric(name));
  });
});
