/**
 * Real processes for the end-to-end tests: redis-server (own port, temp dir), the simulated exchange,
 * the engine, and the API in production mode serving the built PWA (`dist/`, so run `vite build` first)
 * on the same origin as `/graphql`, as in production. Every process runs in its own process group and
 * is SIGKILLed by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const pkgDir = resolve(import.meta.dirname, '..');
const root = resolve(pkgDir, '../..');

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

/** Poll `check` until it returns a value other than undefined/false, or fail after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

interface Proc {
  name: string;
  child: ChildProcess;
  output: string[];
}

/** The running stack. */
export interface Stack {
  /** Where the PWA is served: the API's origin (same as `apiUrl`). */
  url: string;
  apiUrl: string;
  token: string;
  account: string;
  /** SIGKILL the engine (the crash the dashboard must notice). */
  killEngine(): void;
  /**
   * Start another API replica on the same Redis, account and token, serving the static build in
   * `staticDir` (the benchmarks' reference shell); resolves its URL once it answers.
   */
  serve(staticDir: string): Promise<string>;
  /** Output of a process, for failure messages. */
  logs(name: string): string;
  /** SIGKILL everything and remove temp dirs. Safe to call twice. */
  stop(): void;
}

/** Start the whole stack and wait until the engine is connected as the API sees it. */
export async function startStack(): Promise<Stack> {
  const procs: Proc[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'veloz-pwa-e2e-'));
  const run = (
    name: string,
    cmd: string,
    args: string[],
    env: Record<string, string> = {},
    cwd = root,
  ): Proc => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const p: Proc = { name, child, output: [] };
    const keep = (b: Buffer) => {
      p.output.push(b.toString());
      if (p.output.length > 400) p.output.splice(0, 100);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    procs.push(p);
    return p;
  };
  const kill = (p: Proc) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null || p.child.pid === undefined) return;
    try {
      process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    for (const p of [...procs].reverse()) kill(p);
    rmSync(dir, { recursive: true, force: true });
  };
  const logs = (name: string) => procs.find((p) => p.name === name)?.output.join('') ?? '';

  try {
    const [redisPort, simPort, simAdminPort, apiPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const account = `pwae2e${Math.floor(Math.random() * 1e9)}`;
    const token = `e2e-operator-${Math.random().toString(36).slice(2)}${Date.now()}`;
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const tsx = ['--import', 'tsx'];

    run('redis', 'redis-server', [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
    await waitFor('redis', () => logs('redis').includes('Ready to accept connections'), 10_000);

    run('sim', process.execPath, [
      ...tsx,
      'packages/plugins/venue-sim/src/bin/sim-exchange.ts',
      '--port',
      String(simPort),
      '--admin-port',
      String(simAdminPort),
    ]);
    await waitFor('sim exchange', () => logs('sim').includes('"event":"listening"'), 30_000);

    const common = { REDIS_URL: redisUrl, VELOZ_ACCOUNT: account, VELOZ_LOG_LEVEL: 'warn' };
    run('engine', process.execPath, [...tsx, 'packages/engine-service/src/bin/engine.ts'], {
      ...common,
      VELOZ_SIM_URL: `http://127.0.0.1:${simPort}`,
    });
    run('api', process.execPath, [...tsx, 'packages/api/src/bin/api.ts'], {
      ...common,
      VELOZ_ENV: 'production',
      VELOZ_API_PORT: String(apiPort),
      VELOZ_API_TOKENS: `e2e:operator:${token}`,
      // The API serves the build itself: static files, SPA fallback, cache headers, compression.
      VELOZ_API_STATIC: 'on',
      VELOZ_API_STATIC_DIR: resolve(pkgDir, 'dist'),
    });
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const url = apiUrl;
    const serve = async (staticDir: string): Promise<string> => {
      const port = await freePort();
      run(`api-${port}`, process.execPath, [...tsx, 'packages/api/src/bin/api.ts'], {
        ...common,
        VELOZ_ENV: 'production',
        VELOZ_API_PORT: String(port),
        VELOZ_API_TOKENS: `e2e:operator:${token}`,
        VELOZ_API_STATIC: 'on',
        VELOZ_API_STATIC_DIR: staticDir,
      });
      const site = `http://127.0.0.1:${port}`;
      await waitFor(`the API serving ${staticDir}`, async () => (await fetch(site)).ok, 30_000);
      return site;
    };
    await waitFor('the API serving the PWA', async () => (await fetch(url)).ok, 30_000);
    await waitFor(
      'engine connected (through the API)',
      async () => {
        const res = await fetch(`${url}/graphql?query=${encodeURIComponent('{ engine { connected } }')}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { data?: { engine?: { connected?: boolean } } };
        return body.data?.engine?.connected === true;
      },
      60_000,
    );
    return {
      url,
      apiUrl,
      token,
      account,
      killEngine: () => {
        const engine = procs.find((p) => p.name === 'engine');
        if (engine) kill(engine);
      },
      serve,
      logs,
      stop,
    };
  } catch (err) {
    const tail = procs.map((p) => `--- ${p.name}\n${p.output.join('').slice(-1500)}`).join('\n');
    stop();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
}
