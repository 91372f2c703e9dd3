/**
 * End to end, in Debian Chromium at a phone viewport, against real processes (redis-server, simulated
 * exchange, engine, and the API serving the built PWA). Run with `npm run test:e2e -w @veloz/pwa`; needs
 * `apt-get install -y chromium` and redis-server.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startStack, waitFor, type Stack } from './stack';

const pkgDir = resolve(import.meta.dirname, '..');

describe('operator PWA end to end (phone, Chromium)', () => {
  let stack: Stack | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let profile: string | undefined;

  beforeAll(async () => {
    if (!existsSync('/usr/bin/chromium'))
      throw new Error('Debian Chromium is needed at /usr/bin/chromium: apt-get install -y chromium');
    execFileSync(resolve(pkgDir, '../../node_modules/.bin/vite'), ['build', '--logLevel', 'error'], {
      cwd: pkgDir,
    });
    stack = await startStack();
    profile = mkdtempSync(join(tmpdir(), 'veloz-pwa-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      viewport: { width: 360, height: 780 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 180_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    stack?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const engineCard = () => page.getByRole('region', { name: 'Engine Connected' });

  it('signs in with an API token and shows Engine Connected: Yes, live', async () => {
    await page.goto(stack!.url);
    await page.getByLabel('API token').fill('wrong-token-0123456789');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Token rejected').waitFor({ timeout: 10_000 });

    await page.getByLabel('API token').fill(stack!.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await engineCard().getByText('Yes', { exact: true }).waitFor({ timeout: 15_000 });
    await page.getByRole('status').getByText('Connected · live').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => localStorage.getItem('veloz:token'))).toBe(stack!.token);
  });

  it('is controlled by the service worker and installable', async () => {
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await waitFor(
      'service worker control',
      () => page.evaluate(() => navigator.serviceWorker.controller !== null),
      10_000,
    );
    const manifestHref = await page.getAttribute('link[rel="manifest"]', 'href');
    expect(manifestHref).toBe('/manifest.webmanifest');
    const manifest = (await (await fetch(`${stack!.url}${manifestHref}`)).json()) as {
      display: string;
      start_url: string;
      icons: Array<{ src: string; sizes: string; type: string }>;
    };
    expect(manifest.display).toBe('standalone');
    expect(manifest.start_url).toBe('/');
    for (const size of ['192x192', '512x512']) {
      const icon = manifest.icons.find((i) => i.sizes === size && i.type === 'image/png');
      expect(icon, `icon ${size}`).toBeDefined();
      const res = await fetch(`${stack!.url}${icon!.src}`);
      expect(res.headers.get('content-type')).toContain('image/png');
    }
    // Chromium's own verdict.
    const cdp = await context!.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: Array<{ errorId: string }>;
    };
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
  });

  it('is served by the API itself: same origin as /graphql, SPA fallback, cache headers, compression', async () => {
    expect(stack!.url).toBe(stack!.apiUrl);
    const shell = await fetch(`${stack!.url}/orders/some-deep-link`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(shell.status).toBe(200);
    expect(shell.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    expect(shell.headers.get('content-encoding')).toBe('gzip');
    const html = await shell.text();
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, 'entry script in index.html').toBeDefined();
    const asset = await fetch(`${stack!.url}${script}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect((await fetch(`${stack!.url}/assets/not-there.js`)).status).toBe(404);
    expect((await fetch(`${stack!.url}/sw.js`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('places an order and watches it fill without reloading', async () => {
    await page.evaluate(() => ((window as unknown as { __e2eMarker: number }).__e2eMarker = 42));
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('link', { name: 'New order' }).click();
    await page.getByLabel('Quantity').fill('0.01');
    await page.getByLabel('Type').selectOption('MARKET');
    await page.getByRole('button', { name: 'Place buy order' }).click();
    await page.waitForURL(/\/orders\/pwa-/, { timeout: 15_000 });
    await page.locator('.chip', { hasText: 'Filled' }).waitFor({ timeout: 15_000 });
    await page.getByRole('list', { name: 'Order events' }).getByText('Order filled').waitFor();
    expect(await page.evaluate(() => (window as unknown as { __e2eMarker?: number }).__e2eMarker)).toBe(42);

    // The server's rejection reason is shown as it comes (a limit price far outside the band).
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('link', { name: 'New order' }).click();
    await page.getByLabel('Quantity').fill('0.01');
    await page.getByLabel('Limit price').fill('1');
    await page.getByRole('button', { name: 'Place buy order' }).click();
    await expect
      .poll(async () => page.getByRole('alert').textContent(), { timeout: 15_000 })
      .toMatch(/^Rejected: .*bps/);
  });

  it('says the engine is disconnected within 5 s of a crash', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await engineCard().getByText('Yes', { exact: true }).waitFor({ timeout: 10_000 });
    const killedAt = Date.now();
    stack!.killEngine();
    await engineCard().getByText('No', { exact: true }).waitFor({ timeout: 5_000 });
    expect(Date.now() - killedAt).toBeLessThan(5_000);
  });

  it('offline: a reload shows the shell with the last known data marked stale', async () => {
    await context!.setOffline(true);
    try {
      await page.reload();
      await engineCard().getByText('No', { exact: true }).waitFor({ timeout: 10_000 });
      await engineCard()
        .getByText(/^Stale · /)
        .waitFor({ timeout: 5_000 });
      await page.getByRole('status').getByText('Offline · last known data').waitFor({ timeout: 5_000 });
    } finally {
      await context!.setOffline(false);
    }
  });
});
