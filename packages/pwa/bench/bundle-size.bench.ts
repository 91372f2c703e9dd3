/**
 * Initial JavaScript of the built PWA, gzip: the entry script, the chunks index.html preloads and the
 * service-worker registration script, i.e. every byte of JS a phone downloads before the dashboard can
 * render. Lazy views (orders, reconciliation) are not counted. Run after `vite build` (the package's
 * `bench` script does both); writes <repo>/bench/results/parts/pwa.json.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
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

const html = readFileSync(resolve(dist, 'index.html'), 'utf8');
const scripts = initialScripts(html);
if (scripts.length === 0) throw new Error('no scripts found in dist/index.html: run vite build first');
let raw = 0;
let gz = 0;
for (const src of scripts) {
  const bytes = readFileSync(resolve(dist, `.${src}`));
  const g = gzipSync(bytes, { level: 6 }).length; // the default level of nginx/express compression
  raw += bytes.length;
  gz += g;
  console.log(`  ${src}: ${(bytes.length / 1024).toFixed(1)} kB, ${(g / 1024).toFixed(1)} kB gzip`);
}
const kb = Number((gz / 1024).toFixed(1));
const reference = {
  name: 'bare Solid + urql + graphql-ws + vite-plugin-pwa shell (issue measurement)',
  value: 23,
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
  `${row.name}: ${kb} kB gzip (${(raw / 1024).toFixed(1)} kB raw, ${scripts.length} files); reference ${reference.value} kB; ` +
    `ratio ${row.ratio}; goal ${row.goal}: ${row.pass ? 'PASS' : 'FAIL'}`,
);

writeRows([row]);
