import { runVenueConformance } from '@veloz/engine/testing';
import { spawnSimExchange } from '../testing/spawn-sim-exchange';
import { createSimVenue } from './sim-venue';

// The contract suite every venue plugin runs, here over the network against the real sim-exchange process.
runVenueConformance({
  name: 'venue:sim against the sim-exchange process',
  capabilities: { fillOrder: true },
  async setup() {
    const exchange = await spawnSimExchange(['--tick-ms', '0']);
    const venue = createSimVenue({
      url: exchange.url,
      backoff: { initialMs: 50, maxMs: 500, multiplier: 2, jitter: 'full' },
    });
    return {
      venue,
      control: {
        setPrice: async (symbol, price) => void (await exchange.admin('price', { symbol, price })),
        dropConnections: async () => void (await exchange.admin('drop-connections')),
        fillOrder: async (clientOrderId, quantity) =>
          void (await exchange.admin('fill', { clientOrderId, ...(quantity ? { quantity } : {}) })),
      },
      teardown: () => exchange.kill(),
    };
  },
});
