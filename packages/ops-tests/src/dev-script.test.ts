import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  canListen,
  cleanEnv,
  freePort,
  killSession,
  runScript,
  sessionPids,
  startScript,
  waitFor,
  waitForBanner,
  type ScriptRun,
} from './support';

const DEV = 'scripts/dev.sh';

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function graphql(
  apiBase: string,
  token: string,
  query: string,
): Promise<{ status: number; body: GraphQLAnswer }> {
  const res = await fetch(`${apiBase}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as GraphQLAnswer };
}

let running: ScriptRun | undefined;
const tempDirs: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  if (running) killSession(running.sid);
  running = undefined;
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('scripts/dev.sh', () => {
  it('runs the whole system, prints a working token, and SIGINT stops every process and frees every port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veloz-dev-'));
    tempDirs.push(dir);
    const [apiPort, simPort, pwaPort, deadRedisPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const account = `opsdev${Date.now().toString(36)}`;
    // REDIS_URL points where nothing answers: dev.sh must start its own redis-server (AOF) under VELOZ_DEV_DIR.
    running = startScript(
      DEV,
      ['--demo'],
      cleanEnv({
        VELOZ_API_PORT: String(apiPort),
        VELOZ_SIM_PORT: String(simPort),
        VELOZ_PWA_PORT: String(pwaPort),
        REDIS_URL: `redis://127.0.0.1:${deadRedisPort}`,
        VELOZ_DEV_DIR: dir,
        VELOZ_ACCOUNT: account,
        VELOZ_DEMO_INTERVAL_MS: '300',
        VELOZ_LOG_LEVEL: 'warn',
        VELOZ_API_LOG_LEVEL: 'warn',
      }),
    );
    const run = running;
    const token = await waitForBanner(run, 'dev.sh');
    const apiBase = `http://127.0.0.1:${apiPort}`;
    expect(run.stdout()).toContain(`API Base: ${apiBase}\n`);
    expect(run.stdout()).toContain(`GraphQL: ${apiBase}/graphql\n`);
    expect(run.stdout()).toContain(`PWA: http://127.0.0.1:${pwaPort}\n`);
    const redisPort = Number(/redis-server \(AOF\) under .* on port (\d+)/.exec(run.stderr())?.[1]);
    expect(redisPort).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'redis', 'appendonlydir'))).toBe(true);

    // Healthy: Redis, engine heartbeat, projection and the sim venue connected.
    const health = await fetch(`${apiBase}/api/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);

    // The printed token works; a wrong one does not.
    const good = await graphql(apiBase, token, '{ health { ok } }');
    expect(good.status).toBe(200);
    expect(good.body.errors).toBeUndefined();
    expect(good.body.data).toEqual({ health: { ok: true } });
    const bad = await graphql(apiBase, `${token}x`, '{ health { ok } }');
    expect(bad.status).toBe(401);

    // --demo places orders through the API: they show up in the order book of record.
    const orders = await waitFor(
      'demo orders',
      async () => {
        const r = await graphql(
          apiBase,
          token,
          '{ orders(first: 50) { edges { node { clientOrderId status } } } }',
        );
        const edges = (r.body.data?.orders as { edges: { node: { clientOrderId: string } }[] } | undefined)
          ?.edges;
        return edges && edges.length >= 3 ? edges : undefined;
      },
      60_000,
      500,
    );
    expect(orders.every((e) => e.node.clientOrderId.startsWith('demo-'))).toBe(true);

    // The PWA dev server answers and proxies the API on the configured port.
    const page = await waitFor(
      'the PWA dev server',
      async () => {
        const r = await fetch(`http://127.0.0.1:${pwaPort}/`);
        return r.status === 200 ? r.text() : undefined;
      },
      60_000,
    );
    expect(page).toContain('<div id="app"');
    const proxied = await fetch(`http://127.0.0.1:${pwaPort}/api/health`);
    expect(proxied.status).toBe(200);

    const before = sessionPids(run.sid);
    expect(before.length).toBeGreaterThanOrEqual(6);

    process.kill(-run.sid, 'SIGINT');
    const code = await Promise.race([
      run.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('dev.sh did not exit within 60 s')), 60_000),
      ),
    ]);
    expect(code).toBe(130);
    expect(run.stderr()).toContain('[veloz] stopped');
    expect(sessionPids(run.sid)).toEqual([]);
    for (const port of [apiPort, simPort, pwaPort, redisPort]) expect(await canListen(port)).toBe(true);
  });

  it('rejects a bad port naming the variable, and a port in use, starting nothing', async () => {
    const bad = runScript(DEV, [], cleanEnv({ VELOZ_API_PORT: 'eighty' }));
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('VELOZ_API_PORT');
    expect(bad.out).not.toContain('Operator token:');

    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = (busy.address() as { port: number }).port;
    const inUse = runScript(
      DEV,
      [],
      cleanEnv({ VELOZ_SIM_PORT: String(busyPort), VELOZ_API_PORT: String(await freePort()) }),
    );
    expect(inUse.code).not.toBe(0);
    expect(inUse.err).toMatch(new RegExp(`VELOZ_SIM_PORT: port ${busyPort} is already in use`));
  });

  it('--help documents the options and an unknown argument exits 2', () => {
    const help = runScript(DEV, ['--help'], cleanEnv());
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: scripts/dev.sh [--demo] [--help]');
    expect(help.out).toContain('VELOZ_PWA_PORT');
    expect(runScript(DEV, ['--bogus'], cleanEnv()).code).toBe(2);
  });
});
