import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './auth-hash';
import { describeConfig, loadConfig, parseTokens } from './config';

const TOKEN = 'a-long-enough-token-123';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig({ VELOZ_ENV: 'development' });
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      account: 'dev',
      redisUrl: 'redis://127.0.0.1:6379',
      tokens: [],
    });
    expect(describeConfig(c).apiBase).toBe('http://127.0.0.1:8080');
  });

  it.each([
    [{ VELOZ_API_PORT: 'abc' }, 'VELOZ_API_PORT'],
    [{ VELOZ_API_PORT: '70000' }, 'VELOZ_API_PORT'],
    [{ VELOZ_API_PORT: '-1' }, 'VELOZ_API_PORT'],
    [{ VELOZ_API_HOST: 'bad host!' }, 'VELOZ_API_HOST'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ VELOZ_ACCOUNT: 'no spaces' }, 'VELOZ_ACCOUNT'],
    [{ VELOZ_ENV: 'staging' }, 'VELOZ_ENV'],
    [{ VELOZ_API_COMMAND_TIMEOUT_MS: '5' }, 'VELOZ_API_COMMAND_TIMEOUT_MS'],
    [{ VELOZ_API_PROT: '8080' }, 'VELOZ_API_PROT'],
    [{ VELOZ_API_TOKENS: 'x:admin:' + TOKEN }, 'VELOZ_API_TOKENS'],
    [{ VELOZ_API_WORKERS: '0' }, 'VELOZ_API_WORKERS'],
    [{ VELOZ_API_WORKERS: '65' }, 'VELOZ_API_WORKERS'],
    [{ VELOZ_API_WORKERS: 'two' }, 'VELOZ_API_WORKERS'],
    [{ VELOZ_API_WORKERS: '-2' }, 'VELOZ_API_WORKERS'],
    [{ VELOZ_API_CORS_ORIGINS: '*' }, 'VELOZ_API_CORS_ORIGINS'],
    [{ VELOZ_API_CORS_ORIGINS: 'https://ok.example.com,ops.example.com' }, 'VELOZ_API_CORS_ORIGINS'],
    [{ VELOZ_API_CORS_ORIGINS: 'https://ops.example.com/app' }, 'VELOZ_API_CORS_ORIGINS'],
    [{ VELOZ_API_RATE_LIMIT: '-1' }, 'VELOZ_API_RATE_LIMIT'],
    [{ VELOZ_API_RATE_LIMIT: '2.5' }, 'VELOZ_API_RATE_LIMIT'],
    [{ VELOZ_API_RATE_LIMIT: 'fast' }, 'VELOZ_API_RATE_LIMIT'],
    [{ VELOZ_API_RATE_LIMIT: '1000001' }, 'VELOZ_API_RATE_LIMIT'],
    [{ VELOZ_API_RATE_BURST: '0' }, 'VELOZ_API_RATE_BURST'],
    [{ VELOZ_API_RATE_BURST: 'many' }, 'VELOZ_API_RATE_BURST'],
  ])('fails naming the variable: %j', (env, variable) => {
    expect(() => loadConfig({ VELOZ_ENV: 'development', ...env })).toThrow(new RegExp(`^${variable}:`));
  });

  it('reads VELOZ_API_WORKERS: default 1, a number, or auto = the cores', () => {
    expect(loadConfig({ VELOZ_ENV: 'development' }).workers).toBe(1);
    expect(loadConfig({ VELOZ_ENV: 'development', VELOZ_API_WORKERS: '3' }).workers).toBe(3);
    const auto = loadConfig({ VELOZ_ENV: 'development', VELOZ_API_WORKERS: 'auto' });
    expect(auto.workers).toBe(availableParallelism());
    expect(describeConfig(auto).workers).toBe(availableParallelism());
  });

  it('reads the CORS allow-list: none in production, the PWA dev server in development', () => {
    const prod = { VELOZ_API_TOKENS: `ops:operator:${TOKEN}` };
    expect(loadConfig(prod).corsOrigins).toEqual([]);
    expect(loadConfig({ VELOZ_ENV: 'development' }).corsOrigins).toEqual([
      'http://127.0.0.1:5173',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ VELOZ_ENV: 'development', VELOZ_PWA_PORT: '5999' }).corsOrigins).toEqual([
      'http://127.0.0.1:5999',
      'http://localhost:5999',
    ]);
    expect(loadConfig({ VELOZ_ENV: 'development', VELOZ_API_CORS_ORIGINS: 'none' }).corsOrigins).toEqual([]);
    const set = loadConfig({
      ...prod,
      VELOZ_API_CORS_ORIGINS: 'https://ops.example.com,http://localhost:5173/',
    });
    expect(set.corsOrigins).toEqual(['https://ops.example.com', 'http://localhost:5173']);
    expect(describeConfig(set).corsOrigins).toEqual(set.corsOrigins);
  });

  it('reads the per-token rate limit: default 100/s burst 200, burst defaults to twice the rate, 0 is off', () => {
    const dev = { VELOZ_ENV: 'development' };
    expect(loadConfig(dev).rateLimit).toEqual({ perSecond: 100, burst: 200 });
    expect(loadConfig({ ...dev, VELOZ_API_RATE_LIMIT: '50' }).rateLimit).toEqual({
      perSecond: 50,
      burst: 100,
    });
    expect(loadConfig({ ...dev, VELOZ_API_RATE_LIMIT: '50', VELOZ_API_RATE_BURST: '7' }).rateLimit).toEqual({
      perSecond: 50,
      burst: 7,
    });
    const off = loadConfig({ ...dev, VELOZ_API_RATE_LIMIT: '0' });
    expect(off.rateLimit.perSecond).toBe(0);
    expect(describeConfig(off).rateLimit).toBe('off');
    expect(describeConfig(loadConfig(dev)).rateLimit).toBe('100/s per token, burst 200');
  });

  it('requires tokens in production, not in development', () => {
    expect(() => loadConfig({ VELOZ_ENV: 'production' })).toThrow(/VELOZ_API_TOKENS/);
    expect(loadConfig({ VELOZ_ENV: 'production' }, { requireTokens: false }).tokens).toEqual([]);
    expect(loadConfig({ VELOZ_API_TOKENS: `ops:operator:${TOKEN}` }).env).toBe('production');
  });
});

describe('parseTokens', () => {
  it('keeps only hashes, accepts pre-hashed tokens', () => {
    const hashed = sha256Hex('another-long-token-456');
    const t = parseTokens(`ops:operator:${TOKEN}, watch:viewer:sha256=${hashed.toUpperCase()}`);
    expect(t).toEqual([
      { name: 'ops', role: 'operator', sha256: sha256Hex(TOKEN) },
      { name: 'watch', role: 'viewer', sha256: hashed },
    ]);
    expect(JSON.stringify(t)).not.toContain(TOKEN);
  });

  it.each(['ops:operator', 'ops:operator:short', `a:viewer:${TOKEN},a:viewer:${TOKEN}x`, `:viewer:${TOKEN}`])(
    'rejects %s',
    (raw) => expect(() => parseTokens(raw)).toThrow(/VELOZ_API_TOKENS/),
  );
});
