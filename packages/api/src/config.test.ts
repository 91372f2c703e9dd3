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
  ])('fails naming the variable: %j', (env, variable) => {
    expect(() => loadConfig({ VELOZ_ENV: 'development', ...env })).toThrow(new RegExp(`^${variable}:`));
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
