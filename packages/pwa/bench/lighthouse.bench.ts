/**
 * Lighthouse 12 (mobile preset: Moto G Power emulation, simulated slow 4G) against the built PWA served
 * by the real API (production mode: static files with gzip/brotli, cache headers, SPA fallback; the same
 * origin as /graphql), with its engine, simulated exchange and Redis, in Debian Chromium. The signed-in dashboard
 * is audited (the token is put in localStorage first and Lighthouse is told not to reset storage).
 * Median of 3 runs per category. The reference, audited the same way in the same run (alternating with
 * the PWA, so a slow moment of the machine hits both): the bare shell of `bench/reference-shell/`,
 * served by another API replica of the same stack. Run after `vite build`; writes rows into
 * bench/results/parts/pwa.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { freePort, startStack, waitFor } from '../e2e/stack';
import { buildReferenceShell } from './reference-shell';
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
  { id: 'performance', name: 'Lighthouse performance (mobile, median of 3)' },
  { id: 'accessibility', name: 'Lighthouse accessibility (mobile, median of 3)' },
  { id: 'best-practices', name: 'Lighthouse best practices (mobile, median of 3)' },
] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const shellDir = await buildReferenceShell();
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
  const shellUrl = await stack.serve(shellDir);
  // Sign in once on each origin: the token lives in localStorage, as on a phone.
  const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const page = await cdp.contexts()[0]!.newPage();
  for (const site of [stack.url, shellUrl]) {
    await page.goto(site);
    await page.evaluate((t) => localStorage.setItem('veloz:token', t), stack.token);
  }
  await page.goto(stack.url);
  await page
    .getByRole('region', { name: 'Engine Connected' })
    .getByText('Yes', { exact: true })
    .waitFor({ timeout: 15_000 });
  await page.goto(shellUrl);
  await page.getByText('Engine connected: Yes').waitFor({ timeout: 15_000 });
  await page.close();
  await cdp.close();

  const scores: Record<'app' | 'shell', Record<string, number[]>> = { app: {}, shell: {} };
  for (let i = 1; i <= RUNS; i++) {
    for (const [site, url] of [
      ['app', stack.url],
      ['shell', shellUrl],
    ] as const) {
      const result = await lighthouse(`${url}/`, {
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
        (scores[site][c.id] ??= []).push(score);
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
      const tbt = Math.round(result.lhr.audits['total-blocking-time']?.numericValue ?? NaN);
      console.log(
        `  run ${i} ${site === 'app' ? 'PWA  ' : 'shell'}: ${line.join(', ')}; TBT ${tbt} ms${failing.length ? ` (below 0.9: ${failing.join(', ')})` : ''}`,
      );
    }
  }
  // The runs audited the signed-in pages only if the token survived them.
  const check = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
  const probe = await check.contexts()[0]!.newPage();
  for (const site of [stack.url, shellUrl]) {
    await probe.goto(`${site}/icons/icon.svg`);
    const kept = await probe.evaluate(() => localStorage.getItem('veloz:token'));
    if (kept !== stack.token)
      throw new Error(
        `the API token did not survive the Lighthouse runs on ${site}: a signed-out page was audited`,
      );
  }
  await check.close();

  const rows: BenchRow[] = CATEGORIES.map((c) => {
    const value = median(scores.app[c.id]!);
    const reference = median(scores.shell[c.id]!);
    const row: BenchRow = {
      name: c.name,
      value,
      unit: 'score',
      reference: {
        name: 'bare Solid + urql + graphql-ws + vite-plugin-pwa shell (bench/reference-shell), same run, alternating',
        value: reference,
        unit: 'score',
      },
      ratio: Number((value / reference).toFixed(2)),
      goal: '>= 95',
      pass: value >= 95,
    };
    console.log(
      `${row.name}: ${value} (runs ${scores.app[c.id]!.join(', ')}); reference ${reference} (runs ${scores.shell[c.id]!.join(', ')}); goal ${row.goal}: ${row.pass ? 'PASS' : 'FAIL'}`,
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
