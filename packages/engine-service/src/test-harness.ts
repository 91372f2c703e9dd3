// Shared by the *.redis.test.ts files: engine child processes, Redis helpers, deadline polling.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { isOrderEventEntry, keys, OrderStore, type CommandResult, type WalEntry } from '@veloz/engine';
import { decodeStreamEntry } from '@veloz/storage-redis';
import type { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = fileURLToPath(new URL('./bin/engine.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

export const uniqueAccount = (tag: string) => `es-${tag}-${randomUUID().slice(0, 8)}`;

import { deleteAccountKeys as cleanupAccount, pollUntil } from '@veloz/engine/testing';

export { cleanupAccount, pollUntil };

/** The environment of an engine child: none of the test machine's VELOZ_* variables. */
export function engineEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VELOZ_')) env[k] = v;
  return { ...env, REDIS_URL, VELOZ_LOG_LEVEL: 'info', ...extra };
}

export interface EngineChild {
  readonly child: ChildProcess;
  /** The `engine ready` log line. */
  readonly ready: Record<string, unknown>;
  /** Every log line so far (parsed pino JSON). */
  readonly lines: Record<string, unknown>[];
  /** Resolves with the exit code (or signal) once the process exited. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const live = new Set<ChildProcess>();
// A test process that exits without killAllEngines (an uncaught error) must not leave engines running.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});
/** SIGKILL every engine child still running (call from afterEach/afterAll). */
export async function killAllEngines(): Promise<void> {
  await Promise.all(
    [...live].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
  live.clear();
}

/** Spawn `src/bin/engine.ts` and wait for its `engine ready` line. */
export async function spawnEngine(env: Record<string, string>, timeoutMs = 45_000): Promise<EngineChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN], {
    cwd: PACKAGE_DIR,
    env: engineEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => {
      live.delete(child);
      resolve(code ?? sig ?? 'unknown');
    }),
  );
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      void kill();
      reject(
        new Error(`engine not ready within ${timeoutMs} ms\n${stderr}\n${JSON.stringify(lines.slice(-5))}`),
      );
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(msg);
      if (msg.msg === 'engine ready') {
        clearTimeout(timer);
        resolve(msg);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(`engine exited (${code}) before ready\n${stderr}\n${JSON.stringify(lines.slice(-5))}`),
      );
    });
  });
  return { child, ready, lines, exited, kill };
}

export async function sendCommand(redis: Redis, account: string, command: unknown): Promise<string> {
  const raw = typeof command === 'string' ? command : JSON.stringify(command);
  return (await redis.xadd(keys.commands(account), '*', 'command', raw))!;
}

export async function results(redis: Redis, account: string): Promise<CommandResult[]> {
  const entries = await redis.xrange(keys.commandResults(account), '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('result') + 1]!) as CommandResult);
}

export const resultOf = (redis: Redis, account: string, commandId: string, timeoutMs = 10_000) =>
  pollUntil(
    async () => (await results(redis, account)).find((r) => r.commandId === commandId),
    `result of command ${commandId}`,
    timeoutMs,
  );

export async function walEntries(redis: Redis, account: string): Promise<WalEntry[]> {
  const raw = await redis.xrangeBuffer(keys.wal(account), '-', '+');
  const out: WalEntry[] = [];
  for (const [id, fields] of raw) {
    const item = decodeStreamEntry(id, fields);
    if (item.ok) out.push(item.entry);
  }
  return out;
}

/** The WAL folded with the engine's own reducer: what any replica would show. */
export async function projection(redis: Redis, account: string): Promise<OrderStore> {
  const store = new OrderStore();
  for (const e of await walEntries(redis, account)) if (isOrderEventEntry(e)) store.apply(e.payload, e.seq);
  return store;
}

export const placeCommand = (account: string, commandId: string, clientOrderId: string, price = '15000') => ({
  commandId,
  issuedAt: Date.now(),
  issuedBy: 'test',
  type: 'PLACE_ORDER',
  order: {
    clientOrderId,
    account,
    venue: 'sim',
    symbol: 'BTC-USD',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '0.01',
    price,
  },
});
