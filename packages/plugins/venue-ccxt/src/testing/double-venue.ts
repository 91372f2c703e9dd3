import type { VenuePlugin } from '@veloz/engine';
import { createCcxtVenue } from '../venue';
import type { CcxtVenueConfigInput } from '../config';
import { createBinanceDouble, type BinanceDouble, type BinanceDoubleOptions } from './binance-double';

/** A ccxt binance venue wired to a fresh Binance double on 127.0.0.1 (nothing reaches a real host). */
export interface DoubleVenue {
  venue: VenuePlugin;
  double: BinanceDouble;
  /** The credentials the venue reads (fake, random per run). */
  apiKey: string;
  secret: string;
  /** Stop the venue and close the double. */
  teardown(): Promise<void>;
}

/** ccxt unified symbol ("BTC/USDT") → Binance id ("BTCUSDT"). */
export const binanceId = (symbol: string) => symbol.replace('/', '');

/**
 * Start a double and create (not start) a `venue:binance` plugin pointed at it. `secretSeenByVenue` lets a
 * test give the plugin a different secret than the double expects (signature failures).
 */
export async function createDoubleVenue(
  overrides: Partial<CcxtVenueConfigInput> = {},
  opts: { secretSeenByVenue?: string; double?: Partial<BinanceDoubleOptions> } = {},
): Promise<DoubleVenue> {
  const apiKey = `key${Math.random().toString(36).slice(2)}`;
  const secret = `secret${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const double = await createBinanceDouble({ apiKey, secret, ...opts.double });
  const venue = createCcxtVenue(
    {
      exchange: 'binance',
      symbols: ['BTC/USDT', 'ETH/USDT'],
      baseUrl: double.url,
      pollIntervalMs: 50,
      marketDataPollMs: 200,
      reconnect: { initialMs: 20, maxMs: 500, multiplier: 2, jitter: 'full' },
      timeoutMs: 5_000,
      startTimeoutMs: 5_000,
      ...overrides,
    },
    {
      env: {
        VELOZ_CCXT_BINANCE_API_KEY: apiKey,
        VELOZ_CCXT_BINANCE_API_SECRET: opts.secretSeenByVenue ?? secret,
      },
    },
  );
  return {
    venue,
    double,
    apiKey,
    secret,
    async teardown() {
      await venue.stop();
      await double.close();
    },
  };
}
