import { COMMAND_GROUP, keys, type CommandResult } from '@veloz/engine';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandConsumer, type CommandConsumer } from './command-consumer';
import type { CommandOutcome } from './commands';
import { cleanupAccount, pollUntil, REDIS_URL, uniqueAccount } from './test-harness';

const logger = pino({ level: 'silent' });
const opened: Redis[] = [];
const accounts: string[] = [];
let consumer: CommandConsumer | undefined;

const client = () => {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  opened.push(r);
  return r;
};

afterEach(async () => {
  await consumer?.stop();
  consumer = undefined;
  const r = client();
  for (const a of accounts.splice(0)) await cleanupAccount(r, a);
  for (const c of opened.splice(0)) c.disconnect();
});

describe('command consumer (real Redis)', () => {
  it('answers a burst of commands once each (quiet ones without a result), acknowledges all, and runs one order’s commands in turn', async () => {
    const account = uniqueAccount('burst');
    accounts.push(account);
    const redis = client();
    const running = new Map<string, number>();
    let overlaps = 0;
    let handled = 0;
    consumer = createCommandConsumer({
      account,
      redis,
      blocking: client(),
      consumer: 'test',
      logger,
      // Each command finishes a few event-loop turns later, so answers of many commands meet in one MULTI.
      handle: async (raw): Promise<CommandOutcome> => {
        const c = JSON.parse(raw ?? '{}') as { commandId: string; order: { clientOrderId: string } };
        const id = c.order.clientOrderId;
        running.set(id, (running.get(id) ?? 0) + 1);
        if (running.get(id)! > 1) overlaps++;
        for (let i = 0; i < (handled % 5) + 1; i++) await new Promise((r) => setImmediate(r));
        running.set(id, running.get(id)! - 1);
        handled++;
        const result: CommandResult = { commandId: c.commandId, ok: true, clientOrderId: id, at: 1 };
        // Every 4th answer is quiet (its answer is in the WAL): acknowledged, no result published.
        return Number(c.commandId.slice(2)) % 4 === 3
          ? { kind: 'result', result, quiet: true }
          : { kind: 'result', result };
      },
    });
    await consumer.start();

    // 400 commands in one pipeline; every order gets two commands (place twice), which must not overlap.
    const p = redis.pipeline();
    for (let i = 0; i < 400; i++)
      p.xadd(
        keys.commands(account),
        '*',
        'command',
        JSON.stringify({
          commandId: `c-${i}`,
          issuedAt: 1,
          type: 'PLACE_ORDER',
          order: { clientOrderId: `o-${i % 200}` },
        }),
      );
    await p.exec();

    await pollUntil(() => consumer!.counters().processed >= 400, 'every command answered', 15_000);
    const results = (await redis.xrange(keys.commandResults(account), '-', '+')) as [string, string[]][];
    const ids = results.map(([, f]) => (JSON.parse(f[1]!) as CommandResult).commandId).sort();
    expect(ids).toEqual(
      Array.from({ length: 400 }, (_, i) => i)
        .filter((i) => i % 4 !== 3)
        .map((i) => `c-${i}`)
        .sort(),
    );
    expect(overlaps).toBe(0);
    const pending = (await redis.xpending(keys.commands(account), COMMAND_GROUP)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    expect(consumer.counters()).toMatchObject({ processed: 400, failed: 0, errors: 0 });
  });
});

describe('quiet answers (the WAL is the answer)', () => {
  it('acknowledges them without publishing a result', async () => {
    const account = uniqueAccount('quiet');
    accounts.push(account);
    const redis = client();
    consumer = createCommandConsumer({
      account,
      redis,
      blocking: client(),
      consumer: 'test',
      logger,
      handle: async (raw): Promise<CommandOutcome> => {
        const c = JSON.parse(raw ?? '{}') as { commandId: string };
        return { kind: 'result', result: { commandId: c.commandId, ok: true, at: 1 }, quiet: true };
      },
    });
    await consumer.start();
    const p = redis.pipeline();
    for (let i = 0; i < 50; i++)
      p.xadd(
        keys.commands(account),
        '*',
        'command',
        JSON.stringify({ commandId: `q-${i}`, issuedAt: 1, type: 'PLACE_ORDER', order: {} }),
      );
    await p.exec();
    await pollUntil(() => consumer!.counters().processed >= 50, 'every command acknowledged', 15_000);
    const pending = (await redis.xpending(keys.commands(account), COMMAND_GROUP)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
    expect(await redis.xlen(keys.commandResults(account))).toBe(0);
  });
});
