/**
 * Lighthouse 12 (mobile preset: Moto G Power emulation, simulated slow 4G) against the built PWA served
 * by the real API (production mode: static files with gzip/brotli, cache headers, SPA fallback; the same
 * origin as /graphql), with its engine, simulated exchange and Redis, in Debian Chromium. The signed-in dashboard
 * is audited (the token is put in localStorage first and Lighthouse is told not to reset storage).
 * Median of 3 runs per category. Run after `vite build`; writes rows into bench/results/parts/pwa.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { freePort, startStack, waitFor } from '../e2e/stack';
import { writeRows, type BenchRow } from './part';

if (process.argv.includes('--help')) {
  console.log(
    'Usage: node --import tsx bench/lighthouse.bench.ts   (after vite build; needs /usr/bin/chromium and redis-server)',
  );
  process.exit(0);
}

if (!existsSync('/usr/bin/chromium')) {
  console.error(
    'lighthouse bench: Debian Chromium is needed at /usr/bin/chromium (apt-get install -y chromium)',
  );
  process.exit(1);
}

const RUNS = 3;
const CATEGORIES = [
  { id: 'performance', name: 'Lighthouse performance (mobile, median of 3)', reference: 99 },
  { id: 'accessibility', name: 'Lighthouse accessibility (mobile, median of 3)', reference: 100 },
  { id: 'best-practices', name: 'Lighthouse best practices (mobile, median of 3)', reference: 100 },
] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const stack = await startStack();
const profile = mkdtempSync(join(tmpdir(), 'veloz-pwa-lh-'));
const port = await freePort();
const browser = spawn(
  '/usr/bin/chromium',
  [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    `--remote-debugging-port=${port}`,
    'about:blank',
  ],
  { stdio: 'ignore', detached: true },
);
try {
  await waitFor(
    'chromium debugging port',
    async () => (await fetch(`http://127.0.0.1:${port}/json/version`)).ok,
    20_000,
  );
  // Sign in once: the token lives in localStorage, as on a phone.
  const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const page = await cdp.contexts()[0]!.newPage();
  await page.goto(stack.url);
  await page.evaluate((t) => localStorage.setItem('veloz:token', t), stack.token);
  await page.reload();
  await page
    .getByRole('region', { name: 'Engine Connected' })
    .getByText('Yes', { exact: true })
    .waitFor({ timeout: 15_000 });
  await page.close();
  await cdp.close();

  const scores: Record<string, number[]> = {};
  for (let i = 1; i <= RUNS; i++) {
    const result = await lighthouse(`${stack.url}/`, {
      port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: CATEGORIES.map((c) => c.id),
      disableStorageReset: true,
    });
    if (!result) throw new Error('lighthouse returned no result');
    const line: string[] = [];
    for (const c of CATEGORIES) {
      const score = Math.round((result.lhr.categories[c.id]?.score ?? 0) * 100);
      (scores[c.id] ??= []).push(score);
      line.push(`${c.id} ${score}`);
    }
    const failing = Object.values(result.lhr.audits)
      .filter(
        (a) =>
          a.score !== null &&
          a.score < 0.9 &&
          a.scoreDisplayMode !== 'informative' &&
          a.scoreDisplayMode !== 'notApplicable',
      )
      .map((a) => a.id);
    console.log(
      `  run ${i}: ${line.join(', ')}${failing.length ? ` (below 0.9: ${failing.join(', ')})` : ''}`,
    );
  }
  // The runs audited the signed-in dashboard only if the token survived them.
  const check = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const probe = await check.contexts()[0]!.newPage();
  await probe.goto(`${stack.url}/icons/icon.svg`);
  const kept = await probe.evaluate(() => localStorage.getItem('veloz:token'));
  await check.close();
  if (kept !== stack.token)
    throw new Error('the API token did not survive the Lighthouse runs: the sign-in page was audited');

  const rows: BenchRow[] = CATEGORIES.map((c) => {
    const value = median(scores[c.id]!);
    const row: BenchRow = {
      name: c.name,
      value,
      unit: 'score',
      reference: {
        name: 'bare Solid + urql + graphql-ws + vite-plugin-pwa shell (issue measurement)',
        value: c.reference,
        unit: 'score',
      },
      ratio: Number((value / c.reference).toFixed(2)),
      goal: '>= 95',
      pass: value >= 95,
    };
    console.log(
      `${row.name}: ${value} (runs ${scores[c.id]!.join(', ')}); reference ${c.reference}; goal ${row.goal}: ${row.pass ? 'PASS' : 'FAIL'}`,
    );
    return row;
  });
  writeRows(rows);
} finally {
  try {
    if (browser.pid) process.kill(-browser.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  stack.stop();
  rmSync(profile, { recursive: true, force: true });
}
