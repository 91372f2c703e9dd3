import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { systemClock, type PluginContext } from '@veloz/engine';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const uniqueAccount = (prefix = 't'): string =>
  `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export const pluginContext = (account: string): PluginContext => ({
  clock: systemClock,
  logger: pino({ level: 'silent' }),
  account,
});

/** Delete every key of an account (`veloz:{account}:*`). */
export async function deleteAccountKeys(account: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `veloz:{${account}}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Poll `check` until it returns true, or fail after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A private redis-server on a free port with its own data dir, for tests that kill or restart it. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Start (or restart, with the same dir and port) and wait until it answers PING. */
  start(): Promise<void>;
  /** SIGKILL the server (a crash: no shutdown save) and wait for it to exit. */
  kill(): Promise<void>;
  /** Kill it and remove its data dir. */
  dispose(): Promise<void>;
}

export async function createRedisServer(options: { aof?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'veloz-redis-'));
  let proc: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  if (options.aof) args.push('--appendonly', 'yes', '--appendfsync', 'always');

  const server: RedisServer = {
    port,
    url,
    dir,
    async start() {
      proc = spawn('redis-server', args, { stdio: 'ignore' });
      const ping = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      ping.on('error', () => undefined);
      try {
        await waitFor(
          async () => {
            try {
              if (ping.status !== 'ready') {
                ping.disconnect();
                await ping.connect();
              }
              return (await ping.ping()) === 'PONG' && (await ping.info('persistence')).includes('loading:0');
            } catch {
              return false;
            }
          },
          10_000,
          `redis-server on ${port}`,
        );
      } finally {
        ping.disconnect();
      }
    },
    async kill() {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
    async dispose() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
