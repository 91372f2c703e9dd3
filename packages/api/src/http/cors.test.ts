import { describe, expect, it } from 'vitest';
import { createCorsPolicy, devCorsOrigins, parseCorsOrigins } from './cors';

describe('parseCorsOrigins', () => {
  it('normalises origins as browsers send them', () => {
    expect(
      parseCorsOrigins(
        ' https://Ops.Example.com , http://localhost:5173/,http://10.0.0.1:80,https://a.b:8443',
      ),
    ).toEqual(['https://ops.example.com', 'http://localhost:5173', 'http://10.0.0.1', 'https://a.b:8443']);
    expect(parseCorsOrigins('none')).toEqual([]);
    expect(parseCorsOrigins('https://a.b,https://a.b')).toEqual(['https://a.b']);
  });

  it.each([
    ['*', /wildcard/],
    ['ops.example.com', /not a URL|http or https/],
    ['localhost:5173', /http or https/],
    ['ftp://files.example.com', /http or https/],
    ['https://ops.example.com/app', /path/],
    ['https://ops.example.com?x=1', /path, query/],
    ['https://ops.example.com/#x', /fragment/],
    ['https://user:pw@ops.example.com', /credentials/],
    ['https://ok.example.com,https://', /entry 2/],
  ])('rejects %s naming the variable', (raw, why) => {
    expect(() => parseCorsOrigins(raw)).toThrow(/^VELOZ_API_CORS_ORIGINS: /);
    expect(() => parseCorsOrigins(raw)).toThrow(why);
  });

  it('development default: the PWA dev server on VELOZ_PWA_PORT (5173)', () => {
    expect(devCorsOrigins(undefined)).toEqual(['http://127.0.0.1:5173', 'http://localhost:5173']);
    expect(devCorsOrigins('5180')).toEqual(['http://127.0.0.1:5180', 'http://localhost:5180']);
    expect(devCorsOrigins('nope')).toEqual(['http://127.0.0.1:5173', 'http://localhost:5173']);
  });
});

describe('createCorsPolicy', () => {
  const policy = createCorsPolicy(['https://ops.example.com']);
  const req = (origin?: string) =>
    new Request('http://127.0.0.1:8080/graphql', origin ? { headers: { origin } } : {});

  it('names only an allowed origin', () => {
    expect(policy.allows('https://ops.example.com')).toBe(true);
    expect(policy.allows('https://evil.example.com')).toBe(false);
    expect(policy.allows(undefined)).toBe(false);
    expect(policy.yoga(req('https://ops.example.com'))).toMatchObject({
      origin: 'https://ops.example.com',
      credentials: false,
    });
    expect(policy.yoga(req('https://evil.example.com'))).toBe(false);
    expect(policy.yoga(req())).toBe(false);
    expect(policy.headersFor('https://ops.example.com')).toMatchObject({
      'access-control-allow-origin': 'https://ops.example.com',
    });
    expect(policy.headersFor('https://evil.example.com')).toBeUndefined();
  });

  it('upgrades: no Origin, same origin as Host, or allowed', () => {
    expect(policy.allowsUpgrade(undefined, '127.0.0.1:8080')).toBe(true);
    expect(policy.allowsUpgrade('http://127.0.0.1:8080', '127.0.0.1:8080')).toBe(true);
    expect(policy.allowsUpgrade('https://API.example.com', 'api.example.com')).toBe(true);
    expect(policy.allowsUpgrade('https://ops.example.com', '127.0.0.1:8080')).toBe(true);
    expect(policy.allowsUpgrade('https://evil.example.com', '127.0.0.1:8080')).toBe(false);
    expect(policy.allowsUpgrade('http://127.0.0.1:8081', '127.0.0.1:8080')).toBe(false);
    expect(policy.allowsUpgrade('null', '127.0.0.1:8080')).toBe(false);
    expect(policy.allowsUpgrade('https://evil.example.com', undefined)).toBe(false);
  });
});
