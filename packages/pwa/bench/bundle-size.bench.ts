/**
 * Initial JavaScript of the built PWA, gzip: the entry script, the chunks index.html preloads and the
 * service-worker registration script, i.e. every byte of JS a phone downloads before the dashboard can
 * render. Lazy views (orders, reconciliation) are not counted. The reference, measured the same way in
 * the same run: the bare shell of `bench/reference-shell/` (built here). Run after `vite build` (the
 * package's `bench` script does both); writes <repo>/bench/results/parts/pwa.json.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildReferenceShell } from './reference-shell';
import { writeRows, type BenchRow } from './part';

if (process.argv.includes('--help')) {
  console.log(
    'Usage: node --import tsx bench/bundle-size.bench.ts   (after vite build; writes bench/results/parts/pwa.json)',
  );
  process.exit(0);
}

const pkgDir = resolve(import.meta.dirname, '..');
const dist = resolve(pkgDir, 'dist');

/** JS files index.html loads up front: module scripts, modulepreloads and plain scripts (registerSW). */
function initialScripts(html: string): string[] {
  const found = new Set<string>();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"[^>]*>/g)) found.add(m[1]!);
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"[^>]*>/g))
    found.add(m[1]!);
  return [...found].filter((src) => src.endsWith('.js'));
}

/** gzip and raw bytes of the initial JavaScript of a build (`dir` holds its index.html). */
function initialJs(dir: string, label: string): { gz: number; raw: number; files: number } {
  const html = readFileSync(resolve(dir, 'index.html'), 'utf8');
  const scripts = initialScripts(html);
  if (scripts.length === 0) throw new Error(`no scripts found in ${dir}/index.html: build it first`);
  let raw = 0;
  let gz = 0;
  for (const src of scripts) {
    const bytes = readFileSync(resolve(dir, `.${src}`));
    const g = gzipSync(bytes, { level: 6 }).length; // the default level of nginx/express compression
    raw += bytes.length;
    gz += g;
    console.log(
      `  ${label} ${src}: ${(bytes.length / 1024).toFixed(1)} kB, ${(g / 1024).toFixed(1)} kB gzip`,
    );
  }
  return { gz, raw, files: scripts.length };
}

const app = initialJs(dist, 'PWA');
const shell = initialJs(await buildReferenceShell(), 'reference shell');
const kb = Number((app.gz / 1024).toFixed(1));
const reference = {
  name: 'bare Solid + urql + graphql-ws + vite-plugin-pwa shell (bench/reference-shell, same run)',
  value: Number((shell.gz / 1024).toFixed(1)),
  unit: 'kB gzip',
};
const row: BenchRow = {
  name: 'PWA initial JavaScript (gzip)',
  value: kb,
  unit: 'kB gzip',
  reference,
  ratio: Number((kb / reference.value).toFixed(2)),
  goal: '<= 60 kB gzip',
  pass: kb <= 60,
};
console.log(
  `${row.name}: ${kb} kB gzip (${(app.raw / 1024).toFixed(1)} kB raw, ${app.files} files); reference ${reference.value} kB; ` +
    `ratio ${row.ratio}; goal ${row.goal}: ${row.pass ? 'PASS' : 'FAIL'}`,
);

writeRows([row]);
