// OrderEventFanout against a real projection (Redis WAL written by the storage-redis plugin) and real
// WebSocket sockets: a reader that stalls is disconnected with 1013 once its send buffer passes the
// limit, while the rest of its group keeps receiving every event in order.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { orderEventEntry, systemClock, type OrderEvent } from '@veloz/engine';
import { accountKeys, createRedisStorage } from '@veloz/storage-redis';
import type { ExecutionArgs } from 'graphql';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { pollUntil } from '@veloz/engine/testing';
import { OrderEventStream } from '../projection/order-event-stream';
import { createProjection } from '../projection/projection';
import { createRedisClient } from '../services/redis';
import { OrderEventFanout } from './fanout';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const account = `fanout-unit-${randomUUID().slice(0, 8)}`;
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

let next = 0;
const events = (n: number): OrderEvent[] =>
  Array.from({ length: n }, () => next++).map((i): OrderEvent => ({
    type: 'ORDER_SUBMITTED',
    clientOrderId: `slow-${i}`,
    ts: Date.now(),
    order: {
      clientOrderId: `slow-${i}`,
      account,
      venue: 'sim',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '1',
      price: '100',
    },
  }));

describe('OrderEventFanout', () => {
  it('drops a stalled reader with 1013, paces a large backlog; the group gets every event in order', async () => {
    const storage = createRedisStorage({ account, redisUrl: REDIS_URL });
    await storage.start({ clock: systemClock, logger, account });
    const lease = await storage.wal.acquireLease('fanout-unit');
    const redis = createRedisClient(REDIS_URL, 'fanout-unit');
    const blocking = createRedisClient(REDIS_URL, 'fanout-unit-wal');
    const projection = createProjection({ account, redis, blocking, logger });
    await projection.start();
    await projection.replayed();
    const filler = 'x'.repeat(32 * 1024);
    const fanout = new OrderEventFanout({
      projection,
      execute: (args) => ({ data: { seq: (args.rootValue as { seq: number }).seq, filler } }),
      maskError: (e) => e,
      logger,
      maxBufferedBytes: 1024 * 1024,
    });
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', r));
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const serverSockets: WebSocket[] = [];
    wss.on('connection', (s) => serverSockets.push(s));
    const open = async () => {
      const c = new WebSocket(url);
      await new Promise((r) => c.once('open', r));
      return c;
    };
    const reader = await open();
    const stalled = await open();
    const late = await open();
    cleanup.push(
      () => {
        for (const c of [reader, stalled, late]) c.terminate();
        fanout.close();
        wss.close();
      },
      async () => {
        await projection.stop();
        redis.disconnect();
        await lease.release();
        await storage.stop();
        const raw = new Redis(REDIS_URL);
        const k = accountKeys(account);
        await raw.del(...(await raw.keys(`${k.wal.slice(0, k.wal.indexOf('}') + 1)}*`)));
        raw.disconnect();
      },
    );
    await pollUntil(() => serverSockets.length === 3, 'server sockets');
    const seqsOf = (c: WebSocket, id: string) => {
      const got: number[] = [];
      c.on('message', (d) => {
        const m = JSON.parse(d.toString()) as {
          id: string;
          type: string;
          payload: { data: { seq: number } };
        };
        if (m.id !== id || m.type !== 'next') throw new Error(`unexpected ${m.id} ${m.type}`);
        got.push(m.payload.data.seq);
      });
      return got;
    };
    const received = seqsOf(reader, 'r');
    const lateReceived = seqsOf(late, 'l');
    stalled.pause();
    const cursor = projection.status().appliedSeq;
    const join = (id: string, socket: WebSocket) =>
      fanout.join('k', {} as ExecutionArgs, {
        id,
        socket,
        stream: new OrderEventStream(projection, cursor, {}),
      });
    // Server-side sockets, in the order the clients connected.
    const [sReader, sStalled, sLate] = serverSockets as [WebSocket, WebSocket, WebSocket];
    join('r', sReader);
    const stalledHandle = join('s', sStalled);
    expect(fanout.stats()).toEqual({ groups: 1, members: 2 });
    const stalledClosed = new Promise<number>((r) => stalled.once('close', (code) => r(code)));

    // 40 WAL batches of 10 events, 32 KiB each once rendered (12.8 MB): far past the loopback buffers.
    const seqs: number[] = [];
    for (let b = 0; b < 40; b++) {
      seqs.push(...(await storage.wal.append(lease, events(10).map(orderEventEntry))));
      await pollUntil(() => received.length === seqs.length, 'reader keeps up', 20_000);
    }
    expect(received).toEqual(seqs);
    // The stalled member was dropped from its group (its handle ended); the reader stayed.
    expect(await stalledHandle.next()).toEqual({ done: true, value: undefined });
    expect(fanout.stats()).toEqual({ groups: 1, members: 1 });
    stalled.resume();
    expect(await stalledClosed).toBe(1013);

    // A reader resuming from before all of it (a 12.8 MB backlog, over the 1 MiB limit) is paced, not
    // dropped, and goes live afterwards.
    join('l', sLate);
    await pollUntil(() => lateReceived.length === seqs.length, 'late reader caught up', 20_000);
    const more = await storage.wal.append(lease, events(10).map(orderEventEntry));
    await pollUntil(() => lateReceived.length === seqs.length + 10, 'late reader live', 20_000);
    expect(lateReceived).toEqual([...seqs, ...more]);
    expect(late.readyState).toBe(WebSocket.OPEN);
    await pollUntil(() => received.length === seqs.length + 10, 'reader live', 20_000);
    expect(fanout.stats()).toEqual({ groups: 1, members: 2 });
  });
});
