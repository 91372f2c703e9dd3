import { runVenueConformance } from '@veloz/engine/testing';
import { afterAll, expect, it } from 'vitest';
import { binanceId, createDoubleVenue, type BinanceDouble } from './testing';

// The shared venue contract, with the real ccxt binance class talking HTTP to the local double.
let double: BinanceDouble | undefined;

runVenueConformance({
  name: 'venue:binance (ccxt) over the local Binance double',
  symbol: 'BTC/USDT',
  capabilities: { fillOrder: true },
  setup: async () => {
    const dv = await createDoubleVenue();
    double = dv.double;
    return {
      venue: dv.venue,
      teardown: () => dv.double.close(),
      control: {
        setPrice: async (symbol, price) => dv.double.setPrice(binanceId(symbol), price),
        dropConnections: async () => dv.double.dropConnections(),
        fillOrder: async (clientOrderId, quantity) => dv.double.fill(clientOrderId, quantity),
      },
    };
  },
});

afterAll(() => {
  // Every call went to the double, signed calls were verified there, and nothing hit an unknown endpoint.
  const requests = double?.requests ?? [];
  expect(requests.filter((r) => r.signed && r.status === 200).length).toBeGreaterThan(0);
  expect(requests.filter((r) => r.status === 404)).toEqual([]);
  expect(requests.some((r) => r.dropped)).toBe(true);
});

it('ran against the double', () => {
  expect(double).toBeDefined();
});
