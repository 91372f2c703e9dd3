import { HEARTBEAT_TTL_MS, keys, type EngineHeartbeat } from '@veloz/engine';
import { spawnSimExchange, type SpawnedSimExchange } from '@veloz/venue-sim';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeKpi, parseExposition, sampleValue } from '@veloz/metrics';
import {
  cleanupAccount,
  killAllEngines,
  placeCommand,
  pollUntil,
  projection,
  REDIS_URL,
  resultOf,
  results,
  sendCommand,
  spawnEngine,
  uniqueAccount,
  walEntries,
} from './test-harness';

let sim: SpawnedSimExchange;
let redis: Redis;
const accounts: string[] = [];

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  sim = await spawnSimExchange(['--tick-ms', '0', '--admin-port', '0']);
});
afterEach(async () => {
  await killAllEngines();
  for (const a of accounts.splice(0)) await cleanupAccount(redis, a);
});
afterAll(async () => {
  await killAllEngines();
  await sim?.kill();
  redis?.disconnect();
});

const newAccount = (tag: string) => {
  const a = uniqueAccount(tag);
  accounts.push(a);
  return a;
};
const baseEnv = (account: string, extra: Record<string, string> = {}) => ({
  VELOZ_ACCOUNT: account,
  VELOZ_SIM_URL: sim.url,
  // No market data with --tick-ms 0: the price band would refuse every LIMIT order.
  VELOZ_RISK_PRICE_BAND_BPS: '0',
  VELOZ_LEASE_TTL_MS: '1000',
  ...extra,
});
const heartbeat = async (account: string) => {
  const raw = await redis.get(keys.heartbeat(account));
  return raw ? (JSON.parse(raw) as EngineHeartbeat) : undefined;
};

describe('engine process', () => {
  it('answers commands, journals them, follows the exchange, publishes heartbeat and KPIs, stops cleanly', async () => {
    const account = newAccount('run');
    const engine = await spawnEngine(baseEnv(account));
    expect(engine.ready).toMatchObject({
      account,
      venues: ['sim'],
      reconciliation: true,
      recovery: { lastSeq: 0 },
    });

    const hb = await pollUntil(() => heartbeat(account), 'heartbeat');
    expect(hb).toMatchObject({
      account,
      state: 'READY',
      pid: engine.child.pid,
      venues: { sim: { state: 'CONNECTED' } },
    });
    expect(hb.epoch).toBeGreaterThanOrEqual(1);
    expect(await redis.pttl(keys.heartbeat(account))).toBeLessThanOrEqual(HEARTBEAT_TTL_MS);

    // PLACE_ORDER: a result with the WAL seq of the outcome, the order in the WAL.
    await sendCommand(redis, account, placeCommand(account, 'cmd-1', 'ord-1'));
    const r1 = await resultOf(redis, account, 'cmd-1');
    expect(r1).toMatchObject({ commandId: 'cmd-1', ok: true, clientOrderId: 'ord-1' });
    const wal = await walEntries(redis, account);
    expect(wal.filter((e) => e.type === 'ORDER_SUBMITTED')).toHaveLength(1);
    expect(wal.some((e) => e.seq === r1.seq)).toBe(true);
    expect((await projection(redis, account)).get('ord-1')).toMatchObject({ status: 'NEW', seq: r1.seq });

    // The exchange fills it: the WAL follows to FILLED.
    await sim.admin('fill', { clientOrderId: 'ord-1' });
    const filled = await pollUntil(async () => {
      const o = (await projection(redis, account)).get('ord-1');
      return o?.status === 'FILLED' ? o : undefined;
    }, 'ord-1 FILLED in the WAL');
    expect(filled.filledQuantity).toBe('0.01');

    // A retried command (new command id, same client order id): the same order, not a second one.
    await sendCommand(redis, account, placeCommand(account, 'cmd-1-retry', 'ord-1', '15001'));
    const retry = await resultOf(redis, account, 'cmd-1-retry');
    expect(retry).toMatchObject({ ok: true, clientOrderId: 'ord-1' });
    expect(retry.seq).toBeGreaterThanOrEqual(r1.seq!);
    const submitted = (await walEntries(redis, account)).filter((e) => e.type === 'ORDER_SUBMITTED');
    expect(submitted).toHaveLength(1);

    // Two commands for one new order back to back (a client retrying at once): still one order.
    await sendCommand(redis, account, placeCommand(account, 'dup-a', 'ord-2'));
    await sendCommand(redis, account, placeCommand(account, 'dup-b', 'ord-2'));
    const [dupA, dupB] = [await resultOf(redis, account, 'dup-a'), await resultOf(redis, account, 'dup-b')];
    expect(dupA).toMatchObject({ ok: true, clientOrderId: 'ord-2' });
    expect(dupB).toMatchObject({ ok: true, clientOrderId: 'ord-2' });
    const ord2 = (await walEntries(redis, account)).filter(
      (e) =>
        e.type === 'ORDER_SUBMITTED' && (e.payload as { clientOrderId: string }).clientOrderId === 'ord-2',
    );
    expect(ord2).toHaveLength(1);

    // A place-order command queued long ago (say while no engine ran) expires unplaced.
    await sendCommand(redis, account, {
      ...placeCommand(account, 'old-1', 'ord-old'),
      issuedAt: Date.now() - 3_600_000,
    });
    expect(await resultOf(redis, account, 'old-1')).toMatchObject({
      ok: false,
      code: 'COMMAND_EXPIRED',
      clientOrderId: 'ord-old',
    });
    expect(
      (await walEntries(redis, account)).some(
        (e) => (e.payload as { clientOrderId?: string }).clientOrderId === 'ord-old',
      ),
    ).toBe(false);

    // Invalid commands.
    await sendCommand(redis, account, '{"commandId":"bad-1","type":"PLACE_ORDER"}');
    expect(await resultOf(redis, account, 'bad-1')).toMatchObject({
      ok: false,
      code: 'COMMAND_INVALID',
      field: 'issuedAt',
    });
    const garbageId = await sendCommand(redis, account, 'not json');
    expect(await resultOf(redis, account, garbageId)).toMatchObject({ ok: false, code: 'COMMAND_INVALID' });

    // Reconciliation on demand.
    await sendCommand(redis, account, {
      commandId: 'rec-1',
      issuedAt: Date.now(),
      type: 'RUN_RECONCILIATION',
    });
    expect(await resultOf(redis, account, 'rec-1', 20_000)).toMatchObject({ ok: true });

    // Every command answered is acknowledged.
    await pollUntil(async () => {
      const pending = (await redis.xpending(keys.commands(account), 'engine')) as [number, ...unknown[]];
      return pending[0] === 0;
    }, 'no pending commands');

    // KPI samples once a second.
    const from = Date.now();
    const samples = await pollUntil(
      async () => {
        const entries = await redis.xrange(keys.kpis(account), '-', '+');
        const s = entries.map(([, f]) => decodeKpi(f[f.indexOf('kpi') + 1]!)).filter((k) => k.at >= from);
        return s.length >= 4 ? s : undefined;
      },
      '4 KPI samples',
      10_000,
      100,
    );
    const gaps = samples.slice(1).map((s, i) => s.at - samples[i]!.at);
    for (const g of gaps) {
      expect(g).toBeGreaterThan(700);
      expect(g).toBeLessThan(1500);
    }
    const last = samples.at(-1)!;
    // The typed KpiSnapshot of @veloz/metrics (decodeKpi validated it against kpiSnapshotSchema).
    expect(last).toMatchObject({
      v: 1,
      account,
      engineUp: true,
      engineState: 'READY',
      venues: [{ venue: 'sim', state: 'CONNECTED', connected: true, reconnectCount: 0 }],
      reconnectCount: 0,
      // Every command was answered above.
      commandQueueDepth: 0,
    });
    expect(last.orders.filled).toBe(1);
    expect(last.orders.submitted).toBe(2);
    expect(last.orders.open).toBe(1);
    expect(last.wal.lastSeq).toBe((await projection(redis, account)).lastSeq);
    expect(last.ackLatency.samples).toBe(2);
    // The engine's @veloz/metrics registry: parseable, with the reconnect counter and order counters.
    const metrics = parseExposition((await redis.get(keys.metrics(account))) ?? '');
    expect(sampleValue(metrics, 'veloz_reconnect_count_total', { venue: 'sim' })).toBe(0);
    expect(sampleValue(metrics, 'veloz_engine_up')).toBe(1);
    expect(await redis.pttl(keys.metrics(account))).toBeGreaterThan(5_000);

    // Graceful stop: exit 0, heartbeat deleted at once, lease released.
    expect(await engine.kill('SIGTERM')).toBe(0);
    expect(await redis.exists(keys.heartbeat(account))).toBe(0);
    expect(engine.lines.some((l) => l.msg === 'engine service stopped')).toBe(true);
  });

  it('after a SIGKILL: the heartbeat expires, commands written meanwhile and unacknowledged ones are processed after restart', async () => {
    const account = newAccount('crash');
    const env = baseEnv(account, { VELOZ_RECON_ENABLED: 'false' });
    const first = await spawnEngine(env);
    await sendCommand(redis, account, placeCommand(account, 'before', 'ord-before'));
    expect(await resultOf(redis, account, 'before')).toMatchObject({ ok: true });
    await pollUntil(() => heartbeat(account), 'heartbeat');

    const killedAt = Date.now();
    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    await pollUntil(
      async () => (await redis.exists(keys.heartbeat(account))) === 0,
      'heartbeat to expire',
      HEARTBEAT_TTL_MS + 2000,
    );
    expect(Date.now() - killedAt).toBeLessThanOrEqual(HEARTBEAT_TTL_MS + 2000);

    // Written while no engine runs: one new, one delivered to a consumer that dies before answering.
    await sendCommand(redis, account, placeCommand(account, 'while-down', 'ord-down'));
    await sendCommand(redis, account, placeCommand(account, 'orphaned', 'ord-orphaned'));
    const delivered = await redis.xreadgroup(
      'GROUP',
      'engine',
      'dead-consumer',
      'COUNT',
      1,
      'STREAMS',
      keys.commands(account),
      '>',
    );
    expect(JSON.stringify(delivered)).toContain('while-down');
    expect((await results(redis, account)).map((r) => r.commandId)).toEqual(['before']);

    const second = await spawnEngine(env);
    expect(second.ready).toMatchObject({
      claimedCommands: 1,
      recovery: { entriesApplied: expect.any(Number) },
    });
    expect((second.ready.recovery as { lastSeq: number }).lastSeq).toBeGreaterThan(0);
    const down = await resultOf(redis, account, 'while-down');
    const orphaned = await resultOf(redis, account, 'orphaned');
    expect(down).toMatchObject({ ok: true, clientOrderId: 'ord-down' });
    expect(orphaned).toMatchObject({ ok: true, clientOrderId: 'ord-orphaned' });
    const store = await projection(redis, account);
    expect(['ord-before', 'ord-down', 'ord-orphaned'].map((id) => store.get(id)?.status)).toEqual([
      'NEW',
      'NEW',
      'NEW',
    ]);
    const hb = await pollUntil(async () => {
      const h = await heartbeat(account);
      return h && h.pid === second.child.pid ? h : undefined;
    }, 'heartbeat of the restarted engine');
    expect(hb.epoch).toBeGreaterThan(1);
    expect(await second.kill('SIGTERM')).toBe(0);
  });

  it('a second engine for the account waits for the lease, then gives up without touching the heartbeat', async () => {
    const account = newAccount('standby');
    const env = baseEnv(account, { VELOZ_RECON_ENABLED: 'false' });
    const holder = await spawnEngine(env);
    const before = await pollUntil(() => heartbeat(account), 'heartbeat');
    let standbyDone = false;
    const standby = spawnEngine({ ...env, VELOZ_LEASE_WAIT_MS: '1500' }, 20_000).finally(
      () => (standbyDone = true),
    );
    standby.catch(() => undefined);
    // Every heartbeat seen while the standby runs is the holder's.
    const seen = new Set<string>();
    while (!standbyDone) {
      const h = await heartbeat(account);
      if (h) seen.add(`${h.pid}/${h.owner}/${h.epoch}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await expect(standby).rejects.toThrow(/exited \(1\)[\s\S]*lease/);
    expect([...seen]).toEqual([`${holder.child.pid}/${before.owner}/${before.epoch}`]);
    expect(await heartbeat(account)).toMatchObject({ pid: holder.child.pid, state: 'READY' });
    expect(await holder.kill('SIGTERM')).toBe(0);
  });

  it('exits 1 when another writer takes the lease over (fenced), leaving the heartbeat key alone', async () => {
    const account = newAccount('fenced');
    const engine = await spawnEngine(baseEnv(account, { VELOZ_RECON_ENABLED: 'false' }));
    await pollUntil(() => heartbeat(account), 'heartbeat');
    // Another writer: the lease now names it, so the engine's next renewal fails.
    const intruder = {
      account,
      state: 'READY',
      owner: 'intruder',
      epoch: 99,
      pid: 1,
      publishedAt: Date.now(),
    };
    await redis.set(`veloz:{${account}}:lease`, '99:intruder', 'PX', 30_000);
    await redis.set(keys.heartbeat(account), JSON.stringify(intruder), 'PX', 30_000);
    expect(await engine.exited).toBe(1);
    expect(engine.lines.some((l) => String(l.msg).startsWith('engine fenced'))).toBe(true);
    expect(await redis.exists(keys.heartbeat(account))).toBe(1);
    expect(await redis.get(`veloz:{${account}}:lease`)).toBe('99:intruder');
  });

  it('refuses to start on a bad variable, naming it', async () => {
    const account = newAccount('bad');
    await expect(
      spawnEngine(baseEnv(account, { VELOZ_RISK_MAX_OPEN_ORDERS: 'many' }), 20_000),
    ).rejects.toThrow(/exited \(1\)[\s\S]*invalid VELOZ_RISK_MAX_OPEN_ORDERS/);
    expect(await redis.exists(keys.heartbeat(account))).toBe(0);
  });
});
