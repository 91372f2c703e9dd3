/**
 * A valid LIMIT order request for `account` on the test venue (BUY 1 BTC-USD at 100), with `patch`
 * applied: the order most engine, command and metrics tests start from.
 */
export function testOrderRequest(
  account: string,
  clientOrderId: string,
  patch: Record<string, unknown> = {},
) {
  return {
    clientOrderId,
    account,
    venue: 'test',
    symbol: 'BTC-USD',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '1',
    price: '100',
    ...patch,
  };
}

/** mulberry32: a small seeded PRNG in [0, 1), so a test generates the same inputs from the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
