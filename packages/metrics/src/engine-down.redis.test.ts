import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { keys } from '@veloz/engine';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { engineExposition } from './api-metrics';
import { parseExposition, sampleValue } from './exposition';
import { decodeKpi, engineDownKpi, type KpiSnapshot } from './kpi';
import { waitFor } from './test-kit';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const account = `acc-down-${Math.random().toString(36).slice(2, 8)}`;
const CHILD = fileURLToPath(new URL('./fixtures/engine-telemetry-child.ts', import.meta.url));
const PKG = fileURLToPath(new URL('..', import.meta.url));

/** What an API replica serves, read from Redis as the API does: /metrics' engine part and `kpis`. */
async function apiView(redis: Redis) {
  const [text, hb] = await redis.mget(keys.metrics(account), keys.heartbeat(account));
  const last = await redis.xrevrange(keys.kpis(account), '+', '-', 'COUNT', 1);
  const field = last[0]?.[1];
  const json = field ? field[field.indexOf('kpi') + 1] : undefined;
  const lastKpi: KpiSnapshot | undefined = json ? decodeKpi(json) : undefined;
  const heartbeat = hb !== null;
  const exposition = parseExposition(engineExposition({ text: text ?? undefined, heartbeat }));
  const kpi = heartbeat && lastKpi ? lastKpi : engineDownKpi(account, lastKpi, Date.now());
  return { up: sampleValue(exposition, 'veloz_engine_up'), exposition, kpi };
}

describe('engine killed', () => {
  const redis = new Redis(REDIS_URL);
  let child: ChildProcess | undefined;

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await redis.del(keys.metrics(account), keys.heartbeat(account), keys.kpis(account));
    redis.disconnect();
  });

  it('makes the engine-up KPI and veloz_engine_up fall to 0 within 5 s', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: PKG,
      env: { ...process.env, REDIS_URL, VELOZ_ACCOUNT: account, ORDERS: '3' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child!.stdout! });
      lines.on('line', (l) => l.includes('"ready"') && resolve());
      child!.once('exit', (code) => reject(new Error(`engine child exited early (${code})`)));
    });

    const alive = await apiView(redis);
    expect(alive.up).toBe(1);
    expect(alive.kpi).toMatchObject({ engineUp: true, engineState: 'READY', orders: { accepted: 3 } });
    expect(sampleValue(alive.exposition, 'veloz_orders_accepted_total')).toBe(3);

    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    let view = await apiView(redis);
    await waitFor(
      async () => {
        view = await apiView(redis);
        return view.up === 0 && !view.kpi.engineUp;
      },
      'engine up to fall to 0',
      8000,
    );
    const elapsed = Date.now() - killedAt;
    expect(elapsed).toBeLessThan(5000);
    // Counters keep their last known values; the stored text outlives the heartbeat (its TTL is longer).
    expect(view.kpi).toMatchObject({ engineState: 'DOWN', orders: { accepted: 3 } });
    expect(sampleValue(view.exposition, 'veloz_orders_accepted_total')).toBe(3);
  });
});
