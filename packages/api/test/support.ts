// Shared by the e2e tests: real child processes (sim exchange, engine, API replicas), a real HTTP
// client (fetch) and a real graphql-ws client. Nothing here is a mock.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_BIN = fileURLToPath(new URL('../src/bin/api.ts', import.meta.url));
const API_DIR = fileURLToPath(new URL('..', import.meta.url));
// The engine process is started by its package's entry point (a process, not an import of internals).
const ENGINE_BIN = fileURLToPath(new URL('./bin/engine.ts', import.meta.resolve('@veloz/engine-service')));
const ENGINE_DIR = fileURLToPath(new URL('..', import.meta.resolve('@veloz/engine-service')));

export const uniqueAccount = (tag: string) => `api-${tag}-${randomUUID().slice(0, 8)}`;
export const newToken = () => randomBytes(18).toString('base64url');

/** A LIMIT order input for the sim venue (BUY 0.01 BTC-USD at 29000), with `extra` applied. */
export const limitOrder = (clientOrderId: string, extra: Record<string, unknown> = {}) => ({
  clientOrderId,
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  quantity: '0.01',
  price: '29000',
  ...extra,
});

import { deleteAccountKeys as cleanupAccount, pollUntil } from '@veloz/engine/testing';

export { cleanupAccount, pollUntil };

/** A child process that printed a JSON line marking it ready. */
export interface Child {
  readonly child: ChildProcess;
  readonly ready: Record<string, unknown>;
  readonly lines: Record<string, unknown>[];
  readonly stdout: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const live = new Set<ChildProcess>();
// A test or bench process that exits without killAll (an uncaught error, an EPIPE on a closed stdout) must
// not leave engines and APIs running: orphans keep their CPU and skew whatever runs next.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** SIGKILL every child still running (afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => stop(c, 'SIGKILL')));
  live.clear();
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VELOZ_')) env[k] = v;
  return { ...env, REDIS_URL, ...extra };
}

async function spawnReady(
  bin: string,
  cwd: string,
  env: Record<string, string>,
  isReady: (line: Record<string, unknown>) => boolean,
  what: string,
  timeoutMs = 45_000,
  nodeArgs: readonly string[] = [],
): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', bin], {
    cwd,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const lines: Record<string, unknown>[] = [];
  const stdout: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(child, 'SIGKILL');
      reject(
        new Error(`${what} not ready within ${timeoutMs} ms\n${stderr}\n${stdout.slice(-5).join('\n')}`),
      );
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout.push(line);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(msg);
      if (isReady(msg)) {
        clearTimeout(timer);
        resolve(msg);
      }
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(
        new Error(`${what} exited (${code ?? sig}) before ready\n${stderr}\n${stdout.slice(-5).join('\n')}`),
      );
    });
  });
  return { child, ready, lines, stdout, kill: (signal = 'SIGKILL') => stop(child, signal) };
}

/** Start the engine process (`@veloz/engine-service`; `nodeArgs` before the script) and wait for `engine ready`. */
export const spawnEngine = (env: Record<string, string>, nodeArgs: readonly string[] = []) =>
  spawnReady(
    ENGINE_BIN,
    ENGINE_DIR,
    { VELOZ_LOG_LEVEL: 'info', ...env },
    (l) => l.msg === 'engine ready',
    'engine',
    undefined,
    nodeArgs,
  );

/** An API replica on a free port. */
export interface ApiChild extends Child {
  readonly url: string;
}

/** Start `src/bin/api.ts` on port 0 (`nodeArgs` before the script) and wait for its `listening` line. */
export async function spawnApi(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<ApiChild> {
  const c = await spawnReady(
    API_BIN,
    API_DIR,
    { VELOZ_API_PORT: '0', VELOZ_API_LOG_LEVEL: 'info', ...env },
    (l) => l.event === 'listening',
    'api',
    undefined,
    nodeArgs,
  );
  return { ...c, url: String(c.ready.url) };
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** POST a GraphQL operation with a real HTTP client. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GqlResponse<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GqlResponse<T>['body'] };
}

/** A graphql-ws client (Node 20: `ws` as the WebSocket implementation). */
export function wsClient(
  url: string,
  token: string | undefined,
  extra: { retryAttempts?: number } = {},
): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authToken: token } : {},
    retryAttempts: extra.retryAttempts ?? 0,
    lazy: true,
  });
}

/** Subscribe and collect every payload; `next()` waits (with a deadline) for the nth item. */
export function collect<T>(client: Client, query: string, variables?: Record<string, unknown>) {
  const items: T[] = [];
  const errors: unknown[] = [];
  let done = false;
  const dispose = client.subscribe<T>(
    { query, ...(variables ? { variables } : {}) },
    {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (v.data) items.push(v.data as T);
      },
      error: (e) => {
        // A close event stringifies to {}: keep its code and reason.
        const c = e as { code?: number; reason?: string };
        errors.push(typeof c.code === 'number' ? { code: c.code, reason: c.reason } : e);
        done = true;
      },
      complete: () => {
        done = true;
      },
    },
  );
  return {
    items,
    errors,
    get done() {
      return done;
    },
    dispose,
    until: (pred: (items: T[]) => boolean, what: string, timeoutMs = 10_000) =>
      pollUntil(
        () => pred(items) || (errors.length > 0 ? Promise.reject(new Error(JSON.stringify(errors))) : false),
        what,
        timeoutMs,
        20,
      ),
  };
}

export const newRedis = () => new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
