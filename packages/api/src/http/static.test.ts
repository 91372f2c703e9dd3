import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pwaDistDir } from '@veloz/pwa';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { etagMatches, isApiPath, negotiateEncoding, parseRequestPath } from './static';

const TOKENS = 'ops:operator:a-long-enough-token-123';

describe('parseRequestPath', () => {
  it('decodes ordinary paths', () => {
    expect(parseRequestPath('/')).toEqual(['']);
    expect(parseRequestPath('/assets/index-a1.js?v=1#x')).toEqual(['assets', 'index-a1.js']);
    expect(parseRequestPath('/orders/a%20b/')).toEqual(['orders', 'a b', '']);
  });

  it.each([
    '/../secret',
    '/assets/../../secret',
    '/%2e%2e/secret',
    '/%2E%2E/secret',
    '/.%2e/secret',
    '/..%2fsecret',
    '/..%5csecret',
    '/a/./b',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/x%00.js',
    '/%zz',
    'etc/passwd',
    '*',
  ])('refuses %s', (raw) => expect(parseRequestPath(raw)).toBeUndefined());
});

describe('negotiateEncoding', () => {
  const both = ['br', 'gzip'] as const;
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['identity', undefined],
    ['gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0.5, gzip;q=0.8', 'gzip'],
    ['*', 'br'],
    ['*;q=0', undefined],
    ['gzip;q=0, *', 'br'],
  ] as const)('%s → %s', (header, expected) => expect(negotiateEncoding(header, both)).toBe(expected));

  it('only picks what exists', () => {
    expect(negotiateEncoding('br, gzip', ['gzip'])).toBe('gzip');
    expect(negotiateEncoding('br, gzip', [])).toBeUndefined();
  });
});

describe('etagMatches / isApiPath', () => {
  it('compares ETags weakly', () => {
    const tags = new Set(['"abc"', '"abc-gz"']);
    expect(etagMatches('"abc"', tags)).toBe(true);
    expect(etagMatches('W/"abc-gz"', tags)).toBe(true);
    expect(etagMatches('"x", "abc"', tags)).toBe(true);
    expect(etagMatches('*', tags)).toBe(true);
    expect(etagMatches('"abd"', tags)).toBe(false);
    expect(etagMatches(undefined, tags)).toBe(false);
  });

  it('knows the API paths', () => {
    for (const p of [
      '/graphql',
      '/graphql/x',
      '/api',
      '/api/nope',
      '/metrics',
      '/healthz',
      '/readyz/x',
      '/API/x',
    ])
      expect(isApiPath(p), p).toBe(true);
    for (const p of ['/', '/apis', '/orders', '/assets/api.js', '/metricsfoo'])
      expect(isApiPath(p), p).toBe(false);
  });
});

describe('static configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veloz-api-static-cfg-'));
  const empty = join(dir, 'empty');
  const site = join(dir, 'site');
  mkdirSync(empty);
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), '<!doctype html>');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves VELOZ_API_STATIC_DIR when it holds an index.html, and names the variable otherwise', () => {
    expect(loadConfig({ VELOZ_API_TOKENS: TOKENS, VELOZ_API_STATIC_DIR: site }).staticDir).toBe(site);
    expect(loadConfig({ VELOZ_ENV: 'development', VELOZ_API_STATIC_DIR: site }).staticDir).toBe(site);
    expect(() => loadConfig({ VELOZ_API_TOKENS: TOKENS, VELOZ_API_STATIC_DIR: empty })).toThrow(
      /^VELOZ_API_STATIC_DIR: no index.html/,
    );
    expect(() => loadConfig({ VELOZ_API_TOKENS: TOKENS, VELOZ_API_STATIC: 'yes' })).toThrow(
      /^VELOZ_API_STATIC: must be on or off/,
    );
  });

  it('is off in development and when VELOZ_API_STATIC=off; defaults to the PWA build in production', () => {
    expect(loadConfig({ VELOZ_ENV: 'development' }).staticDir).toBeUndefined();
    expect(
      loadConfig({ VELOZ_API_TOKENS: TOKENS, VELOZ_API_STATIC: 'off', VELOZ_API_STATIC_DIR: site }).staticDir,
    ).toBeUndefined();
    const built = existsSync(join(pwaDistDir, 'index.html'));
    expect(loadConfig({ VELOZ_API_TOKENS: TOKENS }).staticDir).toBe(built ? pwaDistDir : undefined);
    if (built)
      expect(loadConfig({ VELOZ_ENV: 'development', VELOZ_API_STATIC: 'on' }).staticDir).toBe(pwaDistDir);
    else
      expect(() => loadConfig({ VELOZ_ENV: 'development', VELOZ_API_STATIC: 'on' })).toThrow(
        /^VELOZ_API_STATIC:/,
      );
  });
});
