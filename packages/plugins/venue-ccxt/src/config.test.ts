import { describe, expect, it } from 'vitest';
import { defaultEnvName, parseCcxtVenueConfig, readCredentials } from './config';
import { createExchange, rewriteApiUrls } from './exchange';

describe('config', () => {
  it('applies defaults: id, env var names, polling', () => {
    const c = parseCcxtVenueConfig({ exchange: 'binance', symbols: ['BTC/USDT'] });
    expect(c).toMatchObject({
      id: 'binance',
      apiKeyEnv: 'VELOZ_CCXT_BINANCE_API_KEY',
      secretEnv: 'VELOZ_CCXT_BINANCE_API_SECRET',
      sandbox: false,
      pollIntervalMs: 1000,
      websocket: false,
    });
    expect(defaultEnvName('okx', 'API_PASSWORD')).toBe('VELOZ_CCXT_OKX_API_PASSWORD');
  });

  it('names the bad field', () => {
    expect(() => parseCcxtVenueConfig({ exchange: 'nope', symbols: ['X/Y'] })).toThrow(
      /exchange: not an exchange/,
    );
    expect(() => parseCcxtVenueConfig({ exchange: 'binance', symbols: [] })).toThrow(/symbols/);
    expect(() => parseCcxtVenueConfig({ exchange: 'binance', symbols: ['A/B'], pollIntervalMs: 1 })).toThrow(
      /pollIntervalMs/,
    );
    expect(() => parseCcxtVenueConfig({ exchange: 'binance', symbols: ['A/B'], apiKey: 'x' })).toThrow(
      /apiKey/,
    );
  });

  it('reads credentials from the named env vars and names a missing one without showing values', () => {
    const c = parseCcxtVenueConfig({ exchange: 'okx', symbols: ['BTC/USDT'], passwordEnv: 'OKX_PASS' });
    const env = { VELOZ_CCXT_OKX_API_KEY: 'key-123', VELOZ_CCXT_OKX_API_SECRET: 'sec-456' };
    expect(() => readCredentials(c, env)).toThrow('environment variable OKX_PASS is not set');
    expect(readCredentials(c, { ...env, OKX_PASS: 'pw' })).toEqual({
      apiKey: 'key-123',
      secret: 'sec-456',
      password: 'pw',
    });
    try {
      readCredentials(parseCcxtVenueConfig({ exchange: 'binance', symbols: ['A/B'] }), {
        VELOZ_CCXT_BINANCE_API_KEY: 'k',
      });
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toContain('VELOZ_CCXT_BINANCE_API_SECRET');
    }
  });
});

describe('exchange construction', () => {
  it('points every REST URL at the base URL override, keeping paths', () => {
    expect(
      rewriteApiUrls(
        { a: 'https://api.x.com/api/v3', b: { c: 'https://{hostname}/v5' } },
        'http://127.0.0.1:9/',
      ),
    ).toEqual({
      a: 'http://127.0.0.1:9/api/v3',
      b: { c: 'http://127.0.0.1:9/v5' },
    });
    const c = parseCcxtVenueConfig({
      exchange: 'binance',
      symbols: ['BTC/USDT'],
      baseUrl: 'http://127.0.0.1:9',
    });
    const e = createExchange(c, { apiKey: 'k', secret: 's' });
    const urls = JSON.stringify(e.urls.api);
    expect(urls).not.toMatch(/binance\.(com|vision)/);
    expect(e.urls.api).toMatchObject({
      public: 'http://127.0.0.1:9/api/v3',
      private: 'http://127.0.0.1:9/api/v3',
    });
    expect(e.enableRateLimit).toBe(true);
    expect(e.options.fetchCurrencies).toBe(false);
  });

  it('uses the testnet URLs in sandbox mode', () => {
    const c = parseCcxtVenueConfig({ exchange: 'binance', symbols: ['BTC/USDT'], sandbox: true });
    const e = createExchange(c, { apiKey: 'k', secret: 's' });
    expect(e.urls.api).toMatchObject({ public: 'https://testnet.binance.vision/api/v3' });
  });

  it('uses the ccxt.pro class (watch*) only when websockets are on and no base URL override hides them', () => {
    const ws = createExchange(
      parseCcxtVenueConfig({ exchange: 'binance', symbols: ['BTC/USDT'], websocket: true }),
      {
        apiKey: 'k',
        secret: 's',
      },
    );
    expect(ws.has['watchOrders']).toBe(true);
    expect(typeof ws.watchOrders).toBe('function');
    const rest = createExchange(parseCcxtVenueConfig({ exchange: 'binance', symbols: ['BTC/USDT'] }), {
      apiKey: 'k',
      secret: 's',
    });
    expect(rest.has['watchOrders']).toBeFalsy();
    const local = createExchange(
      parseCcxtVenueConfig({
        exchange: 'binance',
        symbols: ['BTC/USDT'],
        websocket: true,
        baseUrl: 'http://127.0.0.1:9',
      }),
      { apiKey: 'k', secret: 's' },
    );
    expect(local.has['watchOrders']).toBe(false);
  });

  it('builds other exchanges from the same config shape', () => {
    const c = parseCcxtVenueConfig({ exchange: 'kraken', symbols: ['BTC/USD'] });
    const e = createExchange(c, { apiKey: 'k', secret: 'cw==' });
    expect(e.id).toBe('kraken');
    const okx = createExchange(
      parseCcxtVenueConfig({
        exchange: 'okx',
        id: 'okx-demo',
        sandbox: true,
        symbols: ['BTC/USDT'],
        passwordEnv: 'P',
      }),
      { apiKey: 'k', secret: 's', password: 'p' },
    );
    expect(okx.id).toBe('okx');
    expect(okx.password).toBe('p');
    expect(okx.isSandboxModeEnabled).toBe(true);
  });
});
