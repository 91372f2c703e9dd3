// Shared by the fan-out benchmark's processes (fanout.bench.ts, fanout-load.ts, fanout-bare.ts).
import type { OrderEvent } from '@veloz/engine';

/** Epoch ms with sub-millisecond resolution; the writer and the load process both use it (same clock). */
export const clockMs = (): number => performance.timeOrigin + performance.now();

/** The subscription every load client runs; the bare reference sends the same message shape. */
export const FANOUT_QUERY = 'subscription { orderEvents { seq walTs type clientOrderId ts } }';

/** The graphql-ws `next` message for one order event, as the API sends it for FANOUT_QUERY. */
export function nextMessage(seq: number, walTs: number, e: OrderEvent): string {
  return JSON.stringify({
    id: '1',
    type: 'next',
    payload: {
      data: { orderEvents: { seq, walTs, type: e.type, clientOrderId: e.clientOrderId, ts: e.ts } },
    },
  });
}

/** Valid order events for the projection's reducer: submitted, accepted, filled, order after order. */
export function* orderEventStream(account: string): Generator<OrderEvent> {
  for (let i = 0; ; i++) {
    const id = `fan-${i.toString(36).padStart(7, '0')}`;
    const ts = Date.now();
    yield {
      type: 'ORDER_SUBMITTED',
      clientOrderId: id,
      ts,
      order: {
        clientOrderId: id,
        account,
        venue: 'sim',
        symbol: 'BTC-USD',
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'GTC',
        quantity: '1',
        price: '42000.5',
      },
    };
    yield {
      type: 'ORDER_ACCEPTED',
      clientOrderId: id,
      ts: Date.now(),
      venueOrderId: `v-${i}`,
      source: 'venue',
    };
    const t = Date.now();
    yield {
      type: 'ORDER_FILLED',
      clientOrderId: id,
      ts: t,
      fill: { fillId: `f-${i}`, quantity: '1', price: '42000.5', timestamp: t },
      source: 'venue',
    };
  }
}

/** Messages between the benchmark and its load process (IPC). */
export type LoadRequest =
  | { type: 'subscribe' }
  | { type: 'unsubscribe' }
  | { type: 'report'; from: number; to: number; waitMs: number }
  | { type: 'close' };
export type LoadReply =
  | { type: 'ready'; clients: number; connectMs: number }
  | { type: 'done' }
  | { type: 'report'; p50: number; p99: number; max: number; delivered: number; expected: number }
  | { type: 'failed'; error: string };
