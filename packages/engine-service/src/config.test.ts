import { describe, expect, it } from 'vitest';
import { describeConfig, loadEngineServiceConfig } from './config';

describe('loadEngineServiceConfig', () => {
  it('applies the defaults to an empty environment', () => {
    const c = loadEngineServiceConfig({});
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      account: 'dev',
      simUrl: 'http://127.0.0.1:7070',
      venues: [{ module: '@veloz/venue-sim', config: { venue: 'sim', url: 'http://127.0.0.1:7070' } }],
      venuesFromEnv: false,
      wal: { durability: 'ack', leaseTtlMs: 10_000, leaseWaitMs: 15_000 },
      risk: {},
      reconciliation: { enabled: true, intervalMs: 30_000 },
      logLevel: 'info',
      owner: undefined,
      commandConcurrency: 256,
      commandMaxAgeMs: 60_000,
    });
  });

  it('reads every variable', () => {
    const c = loadEngineServiceConfig({
      REDIS_URL: 'redis://10.0.0.1:6380/2',
      VELOZ_ACCOUNT: 'acct-7',
      VELOZ_SIM_URL: 'http://sim:9000',
      VELOZ_WAL_DURABILITY: 'fsync',
      VELOZ_LEASE_TTL_MS: '2000',
      VELOZ_LEASE_WAIT_MS: '100',
      VELOZ_RISK_MAX_ORDER_QTY: '5',
      VELOZ_RISK_MAX_NOTIONAL: '100000.5',
      VELOZ_RISK_PRICE_BAND_BPS: '0',
      VELOZ_RISK_MAX_OPEN_ORDERS: '10',
      VELOZ_RISK_MAX_ORDERS_PER_SECOND: '3',
      VELOZ_RECON_ENABLED: 'false',
      VELOZ_RECON_INTERVAL_MS: '5000',
      VELOZ_LOG_LEVEL: 'warn',
      VELOZ_ENGINE_OWNER: 'standby-b',
      VELOZ_ENGINE_COMMAND_CONCURRENCY: '4',
      VELOZ_ENGINE_COMMAND_MAX_AGE_MS: '0',
    });
    expect(c).toMatchObject({
      redisUrl: 'redis://10.0.0.1:6380/2',
      account: 'acct-7',
      simUrl: 'http://sim:9000',
      venues: [{ module: '@veloz/venue-sim', config: { url: 'http://sim:9000' } }],
      wal: { durability: 'fsync', leaseTtlMs: 2000, leaseWaitMs: 100 },
      risk: {
        maxQuantity: '5',
        maxNotional: '100000.5',
        priceBandBps: 0,
        maxOpenOrders: 10,
        maxOrdersPerSecond: 3,
      },
      reconciliation: { enabled: false, intervalMs: 5000 },
      logLevel: 'warn',
      owner: 'standby-b',
      commandConcurrency: 4,
      commandMaxAgeMs: 0,
    });
  });

  it('derives the sim URL from VELOZ_SIM_PORT (scripts/dev.sh) and ignores other components’ variables', () => {
    const c = loadEngineServiceConfig({
      VELOZ_SIM_PORT: '7171',
      VELOZ_SIM_TICK_MS: '5',
      VELOZ_API_PORT: '8080',
      VELOZ_API_TOKENS: 'x',
      VELOZ_CCXT_BINANCE_API_KEY: 'k',
      PATH: '/usr/bin',
    });
    expect(c.simUrl).toBe('http://127.0.0.1:7171');
  });

  it('takes venue plugin specs from VELOZ_VENUES', () => {
    const venues = [{ module: '@veloz/venue-ccxt', config: { exchange: 'binance', apiSecret: 's3cr3t' } }];
    const c = loadEngineServiceConfig({ VELOZ_VENUES: JSON.stringify(venues) });
    expect(c.venues).toEqual(venues);
    expect(c.venuesFromEnv).toBe(true);
  });

  it.each([
    [{ VELOZ_ACOUNT: 'x' }, /unknown variable VELOZ_ACOUNT/],
    [{ VELOZ_RISK_MAX_QTY: '1' }, /unknown variable VELOZ_RISK_MAX_QTY/],
    [{ REDIS_URL: 'http://localhost' }, /invalid REDIS_URL/],
    [{ VELOZ_ACCOUNT: 'has space' }, /invalid VELOZ_ACCOUNT/],
    [{ VELOZ_ACCOUNT: 'a'.repeat(33) }, /invalid VELOZ_ACCOUNT/],
    [{ VELOZ_SIM_URL: 'ftp://x' }, /invalid VELOZ_SIM_URL/],
    [{ VELOZ_VENUES: '[{' }, /invalid VELOZ_VENUES: must be JSON/],
    [{ VELOZ_VENUES: '[{"config":{}}]' }, /invalid VELOZ_VENUES at 0\.module/],
    [{ VELOZ_VENUES: '[]' }, /invalid VELOZ_VENUES/],
    [{ VELOZ_WAL_DURABILITY: 'always' }, /invalid VELOZ_WAL_DURABILITY/],
    [{ VELOZ_LEASE_TTL_MS: '10s' }, /invalid VELOZ_LEASE_TTL_MS: must be a whole number/],
    [{ VELOZ_RISK_MAX_NOTIONAL: '-5' }, /invalid VELOZ_RISK_MAX_NOTIONAL/],
    [{ VELOZ_RISK_MAX_ORDER_QTY: '1e3' }, /invalid VELOZ_RISK_MAX_ORDER_QTY/],
    [{ VELOZ_RISK_PRICE_BAND_BPS: '100001' }, /invalid VELOZ_RISK_PRICE_BAND_BPS/],
    [{ VELOZ_RISK_MAX_OPEN_ORDERS: '0' }, /invalid VELOZ_RISK_MAX_OPEN_ORDERS/],
    [{ VELOZ_RECON_ENABLED: 'yes' }, /invalid VELOZ_RECON_ENABLED/],
    [{ VELOZ_RECON_INTERVAL_MS: '50' }, /invalid VELOZ_RECON_INTERVAL_MS/],
    [{ VELOZ_LOG_LEVEL: 'verbose' }, /invalid VELOZ_LOG_LEVEL/],
    [{ VELOZ_ENGINE_COMMAND_MAX_AGE_MS: '-1' }, /invalid VELOZ_ENGINE_COMMAND_MAX_AGE_MS/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadEngineServiceConfig(env)).toThrow(message);
  });

  it('treats empty values as unset', () => {
    expect(loadEngineServiceConfig({ VELOZ_ACCOUNT: '', VELOZ_LOG_LEVEL: ' ' }).account).toBe('dev');
  });
});

describe('describeConfig', () => {
  it('redacts URL passwords and secret-looking venue fields', () => {
    const c = loadEngineServiceConfig({
      REDIS_URL: 'redis://user:hunter2@redis:6379',
      VELOZ_VENUES: JSON.stringify([
        { module: 'm', config: { apiKey: 'AK', nested: { secret: 'S' }, url: 'u' } },
      ]),
    });
    const text = JSON.stringify(describeConfig(c));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('"AK"');
    expect(text).not.toContain('"S"');
    expect(text).toContain('"url":"u"');
    expect(describeConfig(c).account).toBe('dev');
  });
});
