/**
 * Test scaffolding: a minimal OMS (OrderStore + a real Redis WAL + the venue's execution reports), standing
 * in for the engine until `createEngine` is wired to reconciliation. Every state change goes through the
 * WAL first, as in the engine.
 */
import { randomUUID } from 'node:crypto';
import {
  eventFromExecution,
  isOrderEventEntry,
  orderEventEntry,
  OrderStore,
  type Lease,
  type OrderEvent,
  type OrderRequest,
  type PluginContext,
  type VenuePlugin,
} from '@veloz/engine';
import { createRedisStorage, type RedisStorage } from '@veloz/storage-redis';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueAccount(tag: string): string {
  return `t-${tag}-${randomUUID().slice(0, 8)}`;
}

export function pluginContext(account: string): PluginContext {
  return { account, clock: { now: () => Date.now() }, logger: pino({ level: 'silent' }) };
}

/** Delete every key of the account (`veloz:{account}:*`). */
export async function cleanupAccount(account: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `veloz:{${account}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Poll `check` until it returns a value (not undefined/false), or throw after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface TestOms {
  readonly store: OrderStore;
  readonly storage: RedisStorage;
  /** Journal events to the WAL, then apply them (what reconciliation's `journal` callback does). */
  journal(events: OrderEvent[]): Promise<void>;
  /** Place an order at the venue the way the engine does: SUBMITTED journaled first, then the venue's answer. */
  place(request: OrderRequest): Promise<void>;
  /** Journal an order as submitted without sending it (an engine that crashed before the venue answered). */
  submitOnly(request: OrderRequest): Promise<void>;
  /** The order events in the WAL, oldest first. */
  walEvents(): Promise<(OrderEvent & { seq: number })[]>;
  /** Follow the venue's execution reports into the WAL (as the engine does). */
  followExecutions(venue: VenuePlugin): void;
  stop(): Promise<void>;
}

/** Start a real Redis WAL for `account` and an OMS over it. */
export async function createTestOms(account: string): Promise<TestOms> {
  const storage = createRedisStorage({ account, redisUrl: REDIS_URL });
  await storage.start(pluginContext(account));
  const lease: Lease = await storage.wal.acquireLease(`test-oms-${randomUUID().slice(0, 6)}`);
  const store = new OrderStore();
  // Recovery: replay what the WAL holds (empty for a new account; the previous run's book after a restart).
  for await (const batch of storage.wal.read(1)) {
    for (const item of batch)
      if (item.ok && isOrderEventEntry(item.entry)) store.apply(item.entry.payload, item.entry.seq);
  }
  const subs: Subscription[] = [];
  // One append at a time keeps WAL order = apply order, as the engine's single writer does.
  let chain: Promise<unknown> = Promise.resolve();

  /** `build` runs in the writer's turn, so it sees every event journaled before it. */
  function journalWith(build: () => OrderEvent[]): Promise<void> {
    const run = chain.then(async () => {
      const events = build();
      if (events.length === 0) return;
      // Check the whole batch with the reducer before writing anything: all or nothing.
      const probe = OrderStore.fromSnapshot(store.toSnapshot());
      for (const e of events) probe.apply(e);
      const seqs = await storage.wal.append(lease, events.map(orderEventEntry));
      events.forEach((e, i) => store.apply(e, seqs[i]));
    });
    chain = run.catch(() => undefined);
    return run;
  }
  const journal = (events: OrderEvent[]) => journalWith(() => events);

  async function place(request: OrderRequest): Promise<void> {
    await journal([
      {
        type: 'ORDER_SUBMITTED',
        clientOrderId: request.clientOrderId,
        order: request,
        ts: Date.now(),
        source: 'engine',
      },
    ]);
    const venue = venues.get(request.venue);
    if (!venue) throw new Error(`no venue ${request.venue}`);
    const result = await venue.submitOrder(request);
    const id = request.clientOrderId;
    // The WebSocket may have delivered the ack first: decide in the writer's turn.
    await journalWith(() => {
      if (store.get(id)?.status !== 'PENDING_NEW') return [];
      return result.status === 'ACCEPTED'
        ? [
            {
              type: 'ORDER_ACCEPTED',
              clientOrderId: id,
              venueOrderId: result.venueOrderId,
              ts: Date.now(),
              source: 'venue',
            },
          ]
        : [
            {
              type: 'ORDER_REJECTED',
              clientOrderId: id,
              reason: result.reason,
              ts: Date.now(),
              source: 'venue',
            },
          ];
    });
  }

  const venues = new Map<string, VenuePlugin>();

  return {
    store,
    storage,
    journal,
    place,
    submitOnly: (request) =>
      journal([
        {
          type: 'ORDER_SUBMITTED',
          clientOrderId: request.clientOrderId,
          order: request,
          ts: Date.now() - 60_000,
          source: 'engine',
        },
      ]),
    async walEvents() {
      const out: (OrderEvent & { seq: number })[] = [];
      for await (const batch of storage.wal.read(1)) {
        for (const item of batch)
          if (item.ok && isOrderEventEntry(item.entry))
            out.push({ ...item.entry.payload, seq: item.entry.seq });
      }
      return out;
    },
    followExecutions(venue) {
      venues.set(venue.venue, venue);
      subs.push(
        venue.executions$.subscribe((report) => {
          journalWith(() => {
            const outcome = eventFromExecution(report, store.get(report.clientOrderId));
            return 'event' in outcome ? [outcome.event] : [];
          }).catch(() => undefined);
        }),
      );
    },
    async stop() {
      for (const s of subs.splice(0)) s.unsubscribe();
      await chain;
      await lease.release().catch(() => undefined);
      await storage.stop();
    },
  };
}

/** An order request for the sim exchange: a BUY far below the price so it rests. */
export function restingBuy(
  account: string,
  clientOrderId: string,
  price = '15000',
  quantity = '0.01',
): OrderRequest {
  return {
    clientOrderId,
    account,
    venue: 'sim',
    symbol: 'BTC-USD',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity,
    price,
  };
}
