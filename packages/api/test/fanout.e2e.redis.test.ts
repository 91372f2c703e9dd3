// The orderEvents fan-out over graphql-ws: identical subscriptions share one execution per event, yet each
// subscriber gets exactly its events (filters, cursors) in WAL order, and one leaving a group mid-stream
// changes nothing for the others. Real Redis, a real API process, real graphql-ws clients; the events are
// real WAL entries appended with the storage-redis plugin (the engine's own writer).
import { orderEventEntry, systemClock, type OrderEvent } from '@veloz/engine';
import { createRedisStorage, type RedisStorage } from '@veloz/storage-redis';
import type { Client } from 'graphql-ws';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupAccount,
  collect,
  gql,
  killAll,
  newRedis,
  newToken,
  REDIS_URL,
  spawnApi,
  uniqueAccount,
  wsClient,
  type ApiChild,
} from './support';

type Ev = { orderEvents: { seq: number; type: string; clientOrderId: string; order: { symbol: string } } };
const SUB = `subscription($after: Int, $id: String, $symbol: String) {
  orderEvents(after: $after, clientOrderId: $id, symbol: $symbol) { seq type clientOrderId order { symbol } }
}`;

const account = uniqueAccount('fanout');
const viewer = newToken();
let redis: Redis;
let api: ApiChild;
let storage: RedisStorage;
let lease: Awaited<ReturnType<RedisStorage['wal']['acquireLease']>>;
const clients: Client[] = [];
let orderNo = 0;
const symbolOf = new Map<string, string>();

beforeAll(async () => {
  redis = newRedis();
  storage = createRedisStorage({ account, redisUrl: REDIS_URL });
  await storage.start({ clock: systemClock, logger: pino({ level: 'silent' }), account });
  lease = await storage.wal.acquireLease('fanout-test');
  api = await spawnApi({
    VELOZ_ACCOUNT: account,
    VELOZ_ENV: 'production',
    VELOZ_API_TOKENS: `watch:viewer:${viewer}`,
    VELOZ_API_EVENT_LOG_SIZE: '100',
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await killAll();
  await lease?.release().catch(() => undefined);
  await storage?.stop();
  if (redis) {
    await cleanupAccount(redis, account);
    redis.disconnect();
  }
});

/** Submitted + accepted events of one new order on `symbol`. */
function order(symbol: string): OrderEvent[] {
  const id = `fo-${orderNo++}`;
  const ts = Date.now();
  symbolOf.set(id, symbol);
  return [
    {
      type: 'ORDER_SUBMITTED',
      clientOrderId: id,
      ts,
      order: {
        clientOrderId: id,
        account,
        venue: 'sim',
        symbol,
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity: '1',
        price: '100',
      },
    },
    { type: 'ORDER_ACCEPTED', clientOrderId: id, ts, venueOrderId: `v-${id}`, source: 'venue' },
  ];
}

/** Append events one WAL batch each (separate projection batches); returns their sequences. */
async function append(events: OrderEvent[]): Promise<number[]> {
  const seqs: number[] = [];
  for (const e of events) seqs.push(...(await storage.wal.append(lease, [orderEventEntry(e)])));
  return seqs;
}

async function appliedSeq(): Promise<number> {
  const res = await gql<{ wal: { appliedSeq: number } }>(api.url, viewer, '{ wal { appliedSeq } }');
  return res.body.data!.wal.appliedSeq;
}

function subscriber(variables: Record<string, unknown>) {
  const client = wsClient(api.url, viewer);
  clients.push(client);
  return { client, sub: collect<Ev>(client, SUB, variables) };
}

/** Resolves once the socket answered a query, so the subscription sent before it is registered. */
const ready = (client: Client) =>
  collect(client, '{ health { ok } }').until((i) => i.length === 1, 'ws ready');

const view = (items: Ev[]) =>
  items.map((i) => [i.orderEvents.seq, i.orderEvents.clientOrderId, i.orderEvents.type]);

describe('orderEvents fan-out over graphql-ws', () => {
  it('identical subscribers, a filtered one and a resuming one each get exactly their events, in order', async () => {
    const head = await appliedSeq();
    const same = [0, 1, 2].map(() => subscriber({ after: head }));
    const picked = `fo-${orderNo + 2}`;
    const byOrder = subscriber({ after: head, id: picked });
    const bySymbol = subscriber({ after: head, symbol: 'ETH-USD' });
    await Promise.all([...same, byOrder, bySymbol].map((s) => ready(s.client)));

    const events: OrderEvent[] = [];
    for (let i = 0; i < 6; i++) events.push(...order(i % 2 === 0 ? 'BTC-USD' : 'ETH-USD'));
    const seqs = await append(events);
    const all = events.map((e, i) => [seqs[i], e.clientOrderId, e.type]);
    const want = {
      byOrder: all.filter((e) => e[1] === picked),
      bySymbol: all.filter((e) => symbolOf.get(e[1] as string) === 'ETH-USD'),
    };
    // A late joiner of the same group resumes from the head before the events: backlog, then live.
    const late = subscriber({ after: head });
    await ready(late.client);
    const more = order('BTC-USD');
    const moreSeqs = await append(more);
    const allMore = [...all, ...more.map((e, i) => [moreSeqs[i], e.clientOrderId, e.type])];

    for (const s of [...same, late]) await s.sub.until((i) => i.length >= allMore.length, 'all events');
    await byOrder.sub.until((i) => i.length >= want.byOrder.length, 'order events');
    await bySymbol.sub.until((i) => i.length >= want.bySymbol.length, 'symbol events');
    for (const s of [...same, late]) expect(view(s.sub.items)).toEqual(allMore);
    expect(view(byOrder.sub.items)).toEqual(want.byOrder);
    expect(want.byOrder).toHaveLength(2);
    expect(view(bySymbol.sub.items)).toEqual(want.bySymbol);
    expect(want.bySymbol).toHaveLength(6);
    expect(bySymbol.sub.items.every((i) => i.orderEvents.order.symbol === 'ETH-USD')).toBe(true);
    for (const s of [...same, late, byOrder, bySymbol]) expect(s.sub.errors).toEqual([]);
  });

  it('a subscriber that leaves its group mid-stream stops receiving; the others miss nothing', async () => {
    const head = await appliedSeq();
    const subs = [0, 1, 2].map(() => subscriber({ after: head }));
    await Promise.all(subs.map((s) => ready(s.client)));
    const first = order('BTC-USD').concat(order('ETH-USD'));
    const firstSeqs = await append(first);
    for (const s of subs) await s.sub.until((i) => i.length >= first.length, 'first events');

    subs[1]!.sub.dispose(); // graphql-ws `complete` for this operation only; its socket stays open
    // The socket still answers, so the complete was processed before the next events are appended.
    await ready(subs[1]!.client);
    const second = order('BTC-USD').concat(order('ETH-USD'), order('BTC-USD'));
    const secondSeqs = await append(second);
    const expected = [...firstSeqs, ...secondSeqs];
    for (const s of [subs[0]!, subs[2]!]) {
      await s.sub.until((i) => i.length >= expected.length, 'all events');
      expect(s.sub.items.map((i) => i.orderEvents.seq)).toEqual(expected);
    }
    // One more round trip on the left socket: anything still sent to it would have arrived by now.
    await ready(subs[1]!.client);
    expect(subs[1]!.sub.items.map((i) => i.orderEvents.seq)).toEqual(firstSeqs);
    expect(subs[1]!.sub.errors).toEqual([]);

    // The group goes on for a newcomer with the same document.
    const again = subscriber({ after: secondSeqs.at(-1)! - 1 });
    await again.sub.until((i) => i.length === 1, 'resumed newcomer');
    expect(again.sub.items[0]!.orderEvents.seq).toBe(secondSeqs.at(-1));
  });

  it('a cursor older than the events kept is refused with CURSOR_EXPIRED', async () => {
    const events: OrderEvent[] = [];
    for (let i = 0; i < 60; i++) events.push(...order('BTC-USD'));
    const seqs = await append(events);
    const { sub } = subscriber({ after: 1 });
    await sub.until(() => sub.errors.length > 0, 'CURSOR_EXPIRED error');
    expect(sub.items).toEqual([]);
    const err = sub.errors[0] as { extensions?: { code?: string; oldestCursor?: number } };
    expect(err.extensions?.code).toBe('CURSOR_EXPIRED');
    expect(err.extensions!.oldestCursor).toBeGreaterThan(1);
    expect(err.extensions!.oldestCursor).toBeLessThan(seqs.at(-1)!);
  });
});
