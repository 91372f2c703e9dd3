// The API serving a built PWA (and compressing JSON results) over real HTTP (createApiServer listening on a free port, Redis for the
// projection), from a temp directory of fixture files. Raw node:http requests so that paths are sent
// as written (fetch would normalise `..`) and encodings are not decoded behind the test's back.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAccount, REDIS_URL, uniqueAccount } from '../../test/support';
import { loadConfig } from '../config';
import { createApiServer, type ApiServer } from '../server';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const SECRET = `top-secret-${randomBytes(8).toString('hex')}`;
const INDEX = `<!doctype html><html lang="en"><head><title>VeloZ</title><link rel="manifest" href="/manifest.webmanifest"></head><body><div id="root"></div>${'<!-- shell -->'.repeat(40)}</body></html>`;
const APP_JS = `export const app = ${JSON.stringify('x'.repeat(50))};\n`.repeat(200);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(2048)]);

describe('API serving the built PWA (real HTTP)', () => {
  const root = mkdtempSync(join(tmpdir(), 'veloz-api-static-'));
  const site = join(root, 'site');
  const account = uniqueAccount('static');
  const token = 'static-test-token-0123456789';
  let api: ApiServer;
  let port = 0;

  const raw = (path: string, method = 'GET', headers: Record<string, string> = {}) =>
    new Promise<RawResponse>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    mkdirSync(join(site, 'assets'), { recursive: true });
    mkdirSync(join(site, 'icons'));
    writeFileSync(join(root, 'secret.txt'), SECRET);
    writeFileSync(join(site, '.env'), SECRET);
    writeFileSync(join(site, 'index.html'), INDEX);
    writeFileSync(join(site, 'assets', 'index-Ab12Cd34.js'), APP_JS);
    writeFileSync(join(site, 'assets', 'index-Ef56Gh78.css'), `body{color:#fff}\n`.repeat(50));
    writeFileSync(join(site, 'sw.js'), `self.addEventListener('fetch', () => {});\n`.repeat(20));
    writeFileSync(join(site, 'registerSW.js'), `navigator.serviceWorker.register('/sw.js')`);
    writeFileSync(
      join(site, 'manifest.webmanifest'),
      JSON.stringify({ name: 'VeloZ Operator', start_url: '/', display: 'standalone', icons: [] }),
    );
    writeFileSync(join(site, 'icons', 'icon-192.png'), PNG);
    const config = loadConfig({
      REDIS_URL,
      VELOZ_ENV: 'production',
      VELOZ_ACCOUNT: account,
      VELOZ_API_PORT: '0',
      VELOZ_API_TOKENS: `t:operator:${token}`,
      VELOZ_API_STATIC_DIR: site,
      VELOZ_API_LOG_LEVEL: 'silent',
    });
    expect(config.staticDir).toBe(site);
    api = createApiServer({ config });
    port = (await api.start()).port;
  });

  afterAll(async () => {
    await api?.stop();
    const redis = new Redis(REDIS_URL);
    await cleanupAccount(redis, account);
    redis.disconnect();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html at / and for app routes (SPA fallback), revalidated every time', async () => {
    for (const path of [
      '/',
      '/index.html',
      '/orders',
      '/orders/pwa-123',
      '/orders/',
      '/reconciliation?x=1',
    ]) {
      const res = await raw(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], path).toBe('no-cache');
      expect(res.body.toString(), path).toBe(INDEX);
    }
    const head = await raw('/orders/abc', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(INDEX)));
    expect(head.body.length).toBe(0);
  });

  it('sends hashed assets immutable, the worker, its registration and the manifest no-cache, with their types', async () => {
    const js = await raw('/assets/index-Ab12Cd34.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body.toString()).toBe(APP_JS);
    const css = await raw('/assets/index-Ef56Gh78.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const [path, type] of [
      ['/sw.js', 'text/javascript; charset=utf-8'],
      ['/registerSW.js', 'text/javascript; charset=utf-8'],
      ['/manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ] as const) {
      const res = await raw(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-type'], path).toBe(type);
      expect(res.headers['cache-control'], path).toBe('no-cache');
    }
    const png = await raw('/icons/icon-192.png', 'GET', { 'accept-encoding': 'gzip, br' });
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.headers.vary).toBeUndefined();
    expect(png.body.equals(PNG)).toBe(true);
  });

  it('compresses text with brotli or gzip as the client accepts, and says it varies', async () => {
    const plain = await raw('/assets/index-Ab12Cd34.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');

    const gz = await raw('/assets/index-Ab12Cd34.js', 'GET', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(gz.body.length).toBeLessThan(Buffer.byteLength(APP_JS) / 10);
    expect(gunzipSync(gz.body).toString()).toBe(APP_JS);

    const br = await raw('/assets/index-Ab12Cd34.js', 'GET', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(APP_JS);

    const noBr = await raw('/orders/x', 'GET', { 'accept-encoding': 'br;q=0, gzip' });
    expect(noBr.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(noBr.body).toString()).toBe(INDEX);

    // Each representation has its own ETag.
    expect(new Set([plain.headers.etag, gz.headers.etag, br.headers.etag]).size).toBe(3);
  });

  it('answers If-None-Match with 304 and no body', async () => {
    const first = await raw('/assets/index-Ab12Cd34.js', 'GET', { 'accept-encoding': 'br' });
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+-br"$/);
    const again = await raw('/assets/index-Ab12Cd34.js', 'GET', {
      'accept-encoding': 'br',
      'if-none-match': etag,
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const weak = await raw('/assets/index-Ab12Cd34.js', 'GET', { 'if-none-match': `W/${etag}` });
    expect(weak.status).toBe(304);
    const other = await raw('/assets/index-Ab12Cd34.js', 'GET', { 'if-none-match': '"something-else"' });
    expect(other.status).toBe(200);
    expect(other.body.toString()).toBe(APP_JS);
    const shell = await raw('/');
    expect((await raw('/orders/1', 'GET', { 'if-none-match': String(shell.headers.etag) })).status).toBe(304);
  });

  it('404s unknown files (never the shell) and dotfiles', async () => {
    for (const path of [
      '/assets/index-missing.js',
      '/favicon.ico',
      '/icons/nope.png',
      '/.env',
      '/assets/.env',
    ]) {
      const res = await raw(path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).not.toContain('<!doctype html>');
      expect(res.body.toString(), path).not.toContain(SECRET);
    }
  });

  it('never falls back for the API paths', async () => {
    for (const path of [
      '/api/nope',
      '/api/',
      '/metrics/x',
      '/graphql/x',
      '/healthz/x',
      '/readyz/x',
      '/API/x',
    ]) {
      const res = await raw(path);
      expect(res.status, path).toBe(404);
      expect(res.headers['content-type'], path).toContain('application/json');
    }
    const gql = await raw('/graphql', 'GET', { accept: 'text/html' });
    expect(gql.status).toBe(401);
    expect(gql.body.toString()).toContain('UNAUTHENTICATED');
    const ok = await raw(`/graphql?query=${encodeURIComponent('{ __typename }')}`, 'GET', {
      authorization: `Bearer ${token}`,
    });
    expect(JSON.parse(ok.body.toString())).toEqual({ data: { __typename: 'Query' } });
    expect((await raw('/healthz')).status).toBe(200);
    expect((await raw('/metrics')).headers['content-type']).toContain('text/plain');
  });

  it('refuses path traversal, encoded or not, and absolute paths', async () => {
    for (const path of [
      '/../secret.txt',
      '/../../../../etc/passwd',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/secret.txt',
      '/assets/.%2e/.%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '//etc/passwd',
      `/${encodeURIComponent(join(root, 'secret.txt'))}`,
      '/%2fetc%2fpasswd',
      '/index.html%00.js',
      '//',
      'http://127.0.0.1/../secret.txt',
    ]) {
      const res = await raw(path);
      expect(res.status, path).toBe(400);
      expect(res.body.toString(), path).not.toContain(SECRET);
      expect(res.body.toString(), path).not.toContain('root:');
    }
    // Still serving afterwards.
    expect((await raw('/healthz')).status).toBe(200);
  });

  it('compresses JSON GraphQL results of 1 KiB or more when accepted, not small ones', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const big = `/graphql?query=${encodeURIComponent('{ __schema { types { name description } } }')}`;
    const plain = await raw(big, 'GET', auth);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1024);
    const expected = JSON.parse(plain.body.toString()) as unknown;
    const gz = await raw(big, 'GET', { ...auth, 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toContain('Accept-Encoding');
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
    expect(JSON.parse(gunzipSync(gz.body).toString())).toEqual(expected);
    const br = await raw(big, 'GET', { ...auth, 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.body).toString())).toEqual(expected);
    const small = await raw(`/graphql?query=${encodeURIComponent('{ __typename }')}`, 'GET', {
      ...auth,
      'accept-encoding': 'gzip, br',
    });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString())).toEqual({ data: { __typename: 'Query' } });
  });

  it('allows only GET and HEAD on the site', async () => {
    const res = await raw('/', 'POST');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});
