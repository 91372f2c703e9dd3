import { randomUUID } from 'node:crypto';
import { keys, type CommandResult } from '@veloz/engine';
import { deleteAccountKeys } from '@veloz/engine/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandBus } from './command-bus';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const opened: Redis[] = [];
const cleanup: (() => Promise<void>)[] = [];
const client = (lazy = false) => {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: lazy });
  opened.push(r);
  return r;
};

afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
  for (const c of opened.splice(0)) c.disconnect();
});

/** A stand-in engine on real Redis: reads the command stream and answers every command with its id. */
function answerCommands(account: string) {
  const reader = client();
  const writer = client();
  let running = true;
  let last = '0-0';
  const seen: string[] = [];
  const loop = (async () => {
    while (running) {
      const reply = (await reader
        .xread('COUNT', 1000, 'BLOCK', 100, 'STREAMS', keys.commands(account), last)
        .catch(() => null)) as [string, [string, string[]][]][] | null;
      const p = writer.pipeline();
      for (const [, entries] of reply ?? [])
        for (const [id, fields] of entries) {
          last = id;
          const c = JSON.parse(fields[1]!) as { commandId: string; clientOrderId: string };
          seen.push(c.clientOrderId);
          const result: CommandResult = {
            commandId: c.commandId,
            ok: true,
            clientOrderId: c.clientOrderId,
            at: Date.now(),
          };
          p.xadd(keys.commandResults(account), '*', 'result', JSON.stringify(result));
        }
      await p.exec();
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe('command bus (real Redis)', () => {
  it('sends a burst of concurrent commands (pipelined) and hands each caller its own result', async () => {
    const account = `api-bus-${randomUUID().slice(0, 8)}`;
    const engine = answerCommands(account);
    const bus = createCommandBus({ account, redis: client(), blocking: client(true), logger });
    cleanup.push(async () => {
      await bus.stop();
      await engine.stop();
      await deleteAccountKeys(client(), account);
    });
    await bus.start();

    const ids = Array.from({ length: 500 }, (_, i) => `o-${i}`);
    const answers = await Promise.all(
      ids.map((id) => bus.send({ type: 'CANCEL_ORDER', clientOrderId: id }, 'test', 10_000)),
    );
    for (const [i, a] of answers.entries()) {
      expect(a.timedOut).toBe(false);
      expect(a.result?.commandId).toBe(a.commandId);
      expect(a.result?.clientOrderId).toBe(ids[i]);
    }
    // Every command reached the stream exactly once, in the order it was sent.
    expect(engine.seen).toEqual(ids);
  });

  it('answers timedOut when nobody answers, the command staying on the stream', async () => {
    const account = `api-bus-${randomUUID().slice(0, 8)}`;
    const redis = client();
    const bus = createCommandBus({ account, redis, blocking: client(true), logger });
    cleanup.push(async () => {
      await bus.stop();
      await deleteAccountKeys(client(), account);
    });
    await bus.start();
    const a = await bus.send({ type: 'CANCEL_ORDER', clientOrderId: 'x-1' }, 'test', 150);
    expect(a.timedOut).toBe(true);
    expect(await redis.xlen(keys.commands(account))).toBe(1);
  });
});
