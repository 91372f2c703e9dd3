import ccxt, { type Exchange } from 'ccxt';
import type { CcxtVenueConfig, Credentials } from './config';

/**
 * ccxt options the plugin sets per exchange so that only the spot endpoints it uses are called. Binance
 * would otherwise also load futures markets, margin pairs and currencies (private, sapi) at start.
 */
export const EXCHANGE_DEFAULT_OPTIONS: Record<string, Record<string, unknown>> = {
  binance: {
    defaultType: 'spot',
    fetchCurrencies: false,
    fetchMargins: false,
    fetchMarkets: { types: ['spot'] },
    fetchOpenOrders: { warnWithoutSymbol: false },
  },
};

type ExchangeClass = new (config: Record<string, unknown>) => Exchange;

/** Replace the scheme and host of every URL in a ccxt `urls.api` value (string or nested object), keeping paths. */
export function rewriteApiUrls(api: unknown, baseUrl: string): unknown {
  const origin = baseUrl.replace(/\/+$/, '');
  if (typeof api === 'string') return api.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, origin);
  if (api && typeof api === 'object') {
    return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rewriteApiUrls(v, baseUrl)]));
  }
  return api;
}

/**
 * Build the ccxt instance: REST class, or the ccxt.pro class (same REST methods plus `watch*`) when the
 * config asks for websockets and ccxt.pro has the exchange. Rate limiter always on.
 */
export function createExchange(config: CcxtVenueConfig, credentials: Credentials): Exchange {
  const pro = ccxt.pro as unknown as Record<string, ExchangeClass | undefined>;
  const rest = ccxt as unknown as Record<string, ExchangeClass | undefined>;
  const Ctor = (config.websocket ? pro[config.exchange] : undefined) ?? rest[config.exchange];
  if (!Ctor) throw new TypeError(`ccxt has no exchange ${config.exchange}`);
  const settings: Record<string, unknown> = {
    apiKey: credentials.apiKey,
    secret: credentials.secret,
    enableRateLimit: true,
    timeout: config.timeoutMs,
    options: { ...EXCHANGE_DEFAULT_OPTIONS[config.exchange], ...config.options },
  };
  if (credentials.password !== undefined) settings.password = credentials.password;
  if (config.rateLimitMs !== undefined) settings.rateLimit = config.rateLimitMs;
  const exchange = new Ctor(settings);
  if (config.sandbox) exchange.setSandboxMode(true);
  if (config.baseUrl) {
    exchange.urls = { ...exchange.urls, api: rewriteApiUrls(exchange.urls.api, config.baseUrl) as never };
    if (config.websocket) {
      // Websocket URLs are not rewritten to an HTTP base: watch* stays off rather than reach a real host.
      exchange.has = { ...exchange.has, watchOrders: false, watchMyTrades: false, watchTicker: false };
    }
  }
  return exchange;
}
