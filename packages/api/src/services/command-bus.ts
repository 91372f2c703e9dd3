import { randomUUID } from 'node:crypto';
import { keys, type Command, type CommandResult } from '@veloz/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { delay, errorMessage } from './redis';

/** Commands kept on the stream at most (approximate MAXLEN): far above any plausible backlog. */
const COMMANDS_MAXLEN = 100_000;

export interface CommandBusOptions {
  account: string;
  /** Connection for XADD. */
  redis: Redis;
  /** Dedicated connection for the blocking XREAD of results (disconnected by `stop`). */
  blocking: Redis;
  logger: Logger;
}

/** A command without the fields the bus fills in. */
export type CommandInput =
  | { type: 'PLACE_ORDER'; order: unknown; ack?: 'JOURNALED' | 'VENUE' }
  | { type: 'CANCEL_ORDER'; clientOrderId: string }
  | { type: 'RUN_RECONCILIATION'; venue?: string };

/** Sends commands to the engine and waits for their results (matched by commandId). */
export interface CommandBus {
  /** Start following the results stream from its current end. Idempotent. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Append a command (durable: it stays on the stream until the engine answers it) and wait for its
   * result. Resolves `{ timedOut: true }` after `timeoutMs` without a result; rejects when the XADD fails.
   * `answered`, when given, is another sign of the outcome (the WAL entry of a JOURNALED placeOrder, for
   * which the engine publishes no result): once it resolves, `send` resolves without a result and stops
   * waiting for one.
   */
  send(
    command: CommandInput,
    issuedBy: string | undefined,
    timeoutMs: number,
    answered?: Promise<unknown>,
  ): Promise<{ commandId: string; result?: CommandResult; timedOut: boolean }>;
}

type StreamEntry = [string, string[]];

export function createCommandBus(opts: CommandBusOptions): CommandBus {
  const commandsKey = keys.commands(opts.account);
  const resultsKey = keys.commandResults(opts.account);
  const log = opts.logger.child({ component: 'commands' });
  const waiters = new Map<string, (r: CommandResult) => void>();
  let lastId = '$';
  let running = false;
  let loop: Promise<void> | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  const run = async () => {
    while (running) {
      try {
        const reply = (await opts.blocking.xread('BLOCK', 1000, 'STREAMS', resultsKey, lastId)) as
          [string, StreamEntry[]][] | null;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            const i = fields.indexOf('result');
            if (i < 0) continue;
            try {
              const result = JSON.parse(fields[i + 1] ?? '') as CommandResult;
              waiters.get(result.commandId)?.(result);
            } catch {
              log.warn({ id }, 'command result is not JSON');
            }
          }
        }
      } catch (err) {
        if (!running) break;
        log.error({ err: errorMessage(err) }, 'command results read failed; retrying');
        await delay(250);
      }
    }
  };

  /** Commands waiting for the next pipeline: every send of one event-loop turn shares one write. */
  let outbox: { json: string; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let flushing = false;

  const flush = async () => {
    const batch = outbox;
    outbox = [];
    const p = opts.redis.pipeline();
    for (const c of batch) p.xadd(commandsKey, 'MAXLEN', '~', COMMANDS_MAXLEN, '*', 'command', c.json);
    try {
      const replies = (await p.exec()) ?? [];
      batch.forEach((c, i) => {
        const err = replies[i]?.[0];
        if (err) c.reject(err);
        else c.resolve();
      });
    } catch (err) {
      for (const c of batch) c.reject(err);
    }
    flushing = false;
    if (outbox.length > 0) schedule();
  };
  const schedule = () => {
    flushing = true;
    setImmediate(() => void flush());
  };
  const append = (json: string) =>
    new Promise<void>((resolve, reject) => {
      outbox.push({ json, resolve, reject });
      if (!flushing) schedule();
    });

  return {
    start() {
      starting ??= (async () => {
        await opts.blocking.connect().catch(() => undefined);
        // Start from the stream's current end with an explicit id: '$' again on every call would miss
        // results written between two calls.
        try {
          const last = (await opts.redis.xrevrange(resultsKey, '+', '-', 'COUNT', 1)) as StreamEntry[];
          lastId = last[0]?.[0] ?? '0-0';
        } catch (err) {
          log.warn({ err: errorMessage(err) }, 'results stream position unknown; following new results');
        }
        running = true;
        loop = run();
      })();
      return starting;
    },
    stop() {
      stopping ??= (async () => {
        running = false;
        opts.blocking.disconnect();
        await loop;
      })();
      return stopping;
    },
    async send(input, issuedBy, timeoutMs, answered) {
      const commandId = randomUUID();
      const command = {
        ...input,
        commandId,
        issuedAt: Date.now(),
        ...(issuedBy ? { issuedBy } : {}),
      } as Command;
      let timer: NodeJS.Timeout | undefined;
      let elsewhere = false;
      const result = new Promise<CommandResult | undefined>((resolve) => {
        waiters.set(commandId, resolve);
        timer = setTimeout(() => resolve(undefined), timeoutMs);
        void answered?.then(() => {
          elsewhere = true;
          resolve(undefined);
        });
      });
      try {
        await append(JSON.stringify(command));
        const r = await result;
        if (r) return { commandId, result: r, timedOut: false };
        return { commandId, timedOut: !elsewhere };
      } finally {
        clearTimeout(timer);
        waiters.delete(commandId);
      }
    },
  };
}
