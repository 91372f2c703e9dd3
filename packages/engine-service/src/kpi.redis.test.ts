import { COMMAND_GROUP, keys } from '@veloz/engine';

import { createEngineMetrics, decodeKpi, parseExposition, sampleValue } from '@veloz/metrics';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKpiPublisher, readCommandQueueDepth } from './kpi';
import { cleanupAccount as deleteAccountKeys, pollUntil, REDIS_URL, uniqueAccount } from './test-harness';

let redis: Redis;
const accounts: string[] = [];
const logger = pino({ level: 'silent' });

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  for (const a of accounts) await deleteAccountKeys(redis, a);
  redis.disconnect();
});

describe('readCommandQueueDepth', () => {
  it('counts commands not yet delivered plus delivered but unacknowledged, not the answered ones', async () => {
    const account = uniqueAccount('kpi-queue');
    accounts.push(account);
    const stream = keys.commands(account);
    expect(await readCommandQueueDepth(redis, account)).toBe(0); // no stream yet
    for (let i = 0; i < 5; i++) await redis.xadd(stream, '*', 'command', `{"n":${i}}`);
    await redis.xgroup('CREATE', stream, COMMAND_GROUP, '0');
    expect(await readCommandQueueDepth(redis, account)).toBe(5);
    // The engine reads 3 and acknowledges 1 of them: 2 pending + 2 undelivered.
    const read = (await redis.xreadgroup(
      'GROUP',
      COMMAND_GROUP,
      'c1',
      'COUNT',
      3,
      'STREAMS',
      stream,
      '>',
    )) as [string, [string, string[]][]][];
    await redis.xack(stream, COMMAND_GROUP, read[0]![1][0]![0]);
    expect(await readCommandQueueDepth(redis, account)).toBe(4);
    expect(await redis.xlen(stream)).toBe(5);
  });
});

describe('createKpiPublisher', () => {
  it('publishes a typed KpiSnapshot every interval into the capped stream, with the metrics text', async () => {
    const account = uniqueAccount('kpi-pub');
    accounts.push(account);
    const metrics = createEngineMetrics();
    const depths = [7, 8, 9, 10, 11, 12, 13, 14];
    const pub = createKpiPublisher({
      redis,
      account,
      metrics,
      logger,
      intervalMs: 200,
      queueDepth: async () => depths.shift() ?? 0,
    });
    pub.start();
    pub.start(); // idempotent
    const entries = await pollUntil(
      async () => {
        const e = await redis.xrange(keys.kpis(account), '-', '+');
        return e.length >= 3 ? e : undefined;
      },
      '3 KPI samples',
      10_000,
      50,
    );
    await pub.stop();
    await pub.stop();
    const samples = entries.map(([, f]) => decodeKpi(f[f.indexOf('kpi') + 1]!));
    expect(samples.map((s) => s.commandQueueDepth).slice(0, 3)).toEqual([7, 8, 9]);
    for (const s of samples) expect(s).toMatchObject({ v: 1, account, engineState: 'DETACHED' });
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.at).toBeGreaterThan(samples[i - 1]!.at);
    expect(pub.errors()).toBe(0);
    expect(pub.last()).toEqual(samples.at(-1));
    // The Prometheus text of the same instant, with the queue depth gauge.
    const text = (await redis.get(keys.metrics(account))) ?? '';
    expect(sampleValue(parseExposition(text), 'veloz_command_queue_depth')).toBe(
      samples.at(-1)!.commandQueueDepth,
    );
    expect(await redis.pttl(keys.metrics(account))).toBeGreaterThan(5_000);
    metrics.stop();
  });
});
