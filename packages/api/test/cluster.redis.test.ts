// VELOZ_API_WORKERS=2: a node:cluster primary and two full API replicas on one port, as real processes.
// Both answer (x-veloz-worker), the development token is printed once and works on both, a killed
// worker is restarted, and SIGTERM on the primary leaves no process behind.
import { request } from 'node:http';
import { processAlive } from '@veloz/engine/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAccount, killAll, newRedis, pollUntil, spawnApi, uniqueAccount } from './support';

const account = uniqueAccount('cluster');

afterAll(async () => {
  await killAll();
  const redis = newRedis();
  await cleanupAccount(redis, account);
  redis.disconnect();
});

/** One `{ health { ok } }` POST on a fresh connection (so the primary hands it to the next worker). */
function healthQuery(url: string, token: string): Promise<{ status: number; worker: string; body: string }> {
  const body = JSON.stringify({ query: '{ health { ok } }' });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, worker: String(res.headers['x-veloz-worker']), body: text }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('cluster workers (VELOZ_API_WORKERS=2)', () => {
  it('serves from both workers with one dev token, restarts a dead worker, stops everything on SIGTERM', async () => {
    const api = await spawnApi({ VELOZ_ACCOUNT: account, VELOZ_ENV: 'development', VELOZ_API_WORKERS: '2' });
    await pollUntil(
      () => api.lines.some((l) => l.event === 'cluster-listening'),
      'cluster listening',
      60_000,
    );
    const listening = api.lines.filter((l) => l.event === 'worker-listening');
    expect(listening.map((l) => l.slot).sort()).toEqual([1, 2]);
    const pids = listening.map((l) => Number(l.workerPid));
    expect(new Set([...pids, api.child.pid]).size).toBe(3);

    // Printed once (by the primary), never in a log line.
    await pollUntil(() => api.stdout.some((l) => l.includes('operator token:')), 'dev token printed', 5000);
    const tokenLines = api.stdout.filter((l) => l.includes('operator token:'));
    expect(tokenLines).toHaveLength(1);
    const token = /operator token: (\S+)/.exec(tokenLines[0]!)![1]!;
    expect(api.lines.some((l) => JSON.stringify(l).includes(token))).toBe(false);

    // Fresh connections go round-robin: both workers answer, and both accept the one token.
    const seen = new Set<string>();
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      const r = await healthQuery(api.url, token);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ data: { health: { ok: false } } });
      seen.add(r.worker);
    }
    expect([...seen].sort()).toEqual(['1', '2']);
    expect((await healthQuery(api.url, 'not-the-token-at-all')).status).toBe(401);

    // A worker that dies is logged and replaced in its slot by a new process.
    const victim = pids[0]!;
    const slot = listening[0]!.slot;
    process.kill(victim, 'SIGKILL');
    const exit = await pollUntil(
      () => api.lines.find((l) => l.event === 'worker-exit' && l.workerPid === victim),
      'worker-exit logged',
      10_000,
    );
    expect(exit).toMatchObject({ slot, signal: 'SIGKILL' });
    const replaced = await pollUntil(
      () =>
        api.lines.find((l) => l.event === 'worker-listening' && l.slot === slot && l.workerPid !== victim),
      'replacement worker listening',
      60_000,
    );
    const newPid = Number(replaced.workerPid);
    expect(processAlive(newPid)).toBe(true);
    const again = new Set<string>();
    for (let i = 0; i < 20 && again.size < 2; i++) again.add((await healthQuery(api.url, token)).worker);
    expect([...again].sort()).toEqual(['1', '2']);

    // SIGTERM on the primary: it exits 0 and takes every worker with it.
    const exited = new Promise<number | null>((resolve) => api.child.once('exit', (code) => resolve(code)));
    api.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of [pids[1]!, newPid])
      await pollUntil(() => !processAlive(pid), `worker ${pid} gone`, 10_000);
  });
});
