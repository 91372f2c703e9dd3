import type { OrderEvent, OrderRequest } from '@veloz/engine';
import { seededRandom } from '@veloz/engine/testing';

/** Small seeded PRNG (mulberry32): tests print their seed and replay it. */
export const rng = seededRandom;

export const orderRequest = (id: string, account = 'acct'): OrderRequest => ({
  clientOrderId: id,
  account,
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '4',
  price: '42000.5',
});

/**
 * A legal stream of order events for `orders` orders, interleaved: each order is submitted, then
 * accepted or rejected, then gets up to three fills or a cancel. Deterministic for a seed.
 */
export function orderFlow(orders: number, seed = 1, prefix = 'o'): OrderEvent[] {
  const rand = rng(seed);
  const out: OrderEvent[] = [];
  const active: { id: string; steps: OrderEvent[] }[] = [];
  let ts = 1_700_000_000_000;
  for (let i = 0; i < orders; i++) {
    const id = `${prefix}${i}`;
    const steps: OrderEvent[] = [
      { type: 'ORDER_SUBMITTED', clientOrderId: id, ts: ++ts, order: orderRequest(id) },
    ];
    const r = rand();
    if (r < 0.1)
      steps.push({
        type: 'ORDER_REJECTED',
        clientOrderId: id,
        ts: ++ts,
        reason: 'venue says no',
        source: 'venue',
      });
    else {
      steps.push({
        type: 'ORDER_ACCEPTED',
        clientOrderId: id,
        ts: ++ts,
        venueOrderId: `v${i}`,
        source: 'venue',
      });
      if (r < 0.4) {
        steps.push({ type: 'CANCEL_REQUESTED', clientOrderId: id, ts: ++ts });
        steps.push({ type: 'ORDER_CANCELED', clientOrderId: id, ts: ++ts, source: 'venue' });
      } else if (r < 0.8) {
        for (let f = 0; f < 2; f++) {
          steps.push({
            type: 'ORDER_FILLED',
            clientOrderId: id,
            ts: ++ts,
            fill: { fillId: `f${i}-${f}`, quantity: '1', price: '42000', timestamp: ts },
            source: 'venue',
          });
        }
      }
    }
    active.push({ id, steps });
    // Interleave: emit a step of a random active order.
    while (active.length > 3 || (i === orders - 1 && active.length > 0)) {
      const k = Math.floor(rand() * active.length);
      const a = active[k]!;
      out.push(a.steps.shift()!);
      if (a.steps.length === 0) active.splice(k, 1);
    }
  }
  return out;
}
