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
