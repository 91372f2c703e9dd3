import { mkdtempSync, rmSync } from 'node:fs';
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
  waitForBanner,
  type ScriptRun,
} from './support';

const START = 'scripts/start.sh';

let running: ScriptRun | undefined;
const tempDirs: string[] = [];

afterEach(() => {
  if (running) killSession(running.sid);
  running = undefined;
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('scripts/start.sh --dry-run', () => {
  it('prints the resolved configuration with the default API base and starts nothing', async () => {
    const r = runScript(START, ['--dry-run'], cleanEnv());
    expect(r.code).toBe(0);
    expect(r.out).toContain('API Base: http://127.0.0.1:8080\n');
    expect(r.out).toContain('"durability": "ack"');
    expect(r.out).toContain(
      'PWA: http://127.0.0.1:8080/ (the production build in packages/pwa/dist, served by the API)',
    );
    expect(r.out).toContain('Operator token: generated at start');
    expect(r.err).toContain('dry run: nothing built or started');
    expect(r.out).not.toContain('VeloZ is running');
  });

  it('follows VELOZ_API_PORT and VELOZ_VENUES', () => {
    const r = runScript(
      START,
      ['--dry-run'],
      cleanEnv({
        VELOZ_API_PORT: '9090',
        VELOZ_VENUES:
          '[{"module":"@veloz/venue-sim","config":{"venue":"sim","url":"http://127.0.0.1:7999"}}]',
      }),
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('API Base: http://127.0.0.1:9090\n');
    expect(r.out).toContain('Simulated exchange: not started (VELOZ_VENUES is set)');
  });

  it('an invalid variable exits non-zero naming it', () => {
    const port = runScript(START, ['--dry-run'], cleanEnv({ VELOZ_API_PORT: '99999' }));
    expect(port.code).not.toBe(0);
    expect(port.err).toContain('VELOZ_API_PORT');
    const engine = runScript(START, ['--dry-run'], cleanEnv({ VELOZ_WAL_DURABILITY: 'maybe' }));
    expect(engine.code).not.toBe(0);
    expect(engine.err).toContain('VELOZ_WAL_DURABILITY');
  });
});

describe('scripts/start.sh', () => {
  it('builds, serves the built PWA beside the API, and SIGTERM stops every process and frees every port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veloz-start-'));
    tempDirs.push(dir);
    const [apiPort, simPort, deadRedisPort] = [await freePort(), await freePort(), await freePort()];
    running = startScript(
      START,
      [],
      cleanEnv({
        VELOZ_API_PORT: String(apiPort),
        VELOZ_SIM_PORT: String(simPort),
        REDIS_URL: `redis://127.0.0.1:${deadRedisPort}`,
        VELOZ_DEV_DIR: dir,
        VELOZ_ACCOUNT: `opsstart${Date.now().toString(36)}`,
        VELOZ_LOG_LEVEL: 'warn',
        VELOZ_API_LOG_LEVEL: 'warn',
      }),
    );
    const run = running;
    const token = await waitForBanner(run, 'start.sh');
    const apiBase = `http://127.0.0.1:${apiPort}`;
    expect(run.stdout()).toContain(`API Base: ${apiBase}\n`);
    const redisPort = Number(/redis-server \(AOF\) under .* on port (\d+)/.exec(run.stderr())?.[1]);
    expect(redisPort).toBeGreaterThan(0);

    const res = await fetch(`${apiBase}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ health { ok } engine { connected } }' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { health: { ok: true }, engine: { connected: true } } });
    // Production: GraphiQL off, so a GET of /graphql without a token is refused.
    expect((await fetch(`${apiBase}/graphql?query=%7B__typename%7D`)).status).toBe(401);

    // The production build (service worker included), served by the API on the same origin as /graphql.
    expect(run.stdout()).toContain(`PWA: ${apiBase}/\n`);
    const page = await fetch(`${apiBase}/orders`); // an SPA route falls back to index.html
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"');
    expect((await fetch(`${apiBase}/sw.js`)).status).toBe(200);

    expect(sessionPids(run.sid).length).toBeGreaterThanOrEqual(5);
    process.kill(-run.sid, 'SIGTERM');
    const code = await Promise.race([
      run.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('start.sh did not exit within 60 s')), 60_000),
      ),
    ]);
    expect(code).toBe(143);
    expect(sessionPids(run.sid)).toEqual([]);
    for (const port of [apiPort, simPort, redisPort]) expect(await canListen(port)).toBe(true);
  });
});
