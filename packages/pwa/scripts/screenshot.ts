/**
 * Signs in to a running PWA in Debian Chromium at a phone viewport and saves a screenshot of the
 * dashboard. Needs `apt-get install -y chromium` (never a downloaded browser) and a PWA served with its
 * API (e.g. `VELOZ_API_URL=... npx vite preview`).
 *
 *   node --import tsx scripts/screenshot.ts --url http://127.0.0.1:4173 --token <token> --out ../../docs/pwa-dashboard.png
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:4173' },
    token: { type: 'string' },
    out: { type: 'string', default: 'dashboard.png' },
    scheme: { type: 'string', default: 'dark' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help || !values.token) {
  console.log(
    'Usage: scripts/screenshot.ts --token <api token> [--url http://127.0.0.1:4173] [--out file.png] [--scheme dark|light]',
  );
  process.exit(values.help ? 0 : 2);
}

const profile = mkdtempSync(join(tmpdir(), 'veloz-pwa-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  viewport: { width: 390, height: 1140 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  colorScheme: values.scheme === 'light' ? 'light' : 'dark',
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
try {
  const page = context.pages()[0] ?? (await context.newPage());
  console.log(`open ${values.url}`);
  await page.goto(values.url);
  await page.getByLabel('API token').fill(values.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('region', { name: 'Engine Connected' }).getByText('Yes').waitFor({ timeout: 15_000 });
  await page.getByText('Connected · live').waitFor({ timeout: 15_000 });
  await page.screenshot({ path: values.out });
  console.log(`wrote ${values.out}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
