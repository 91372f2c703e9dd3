/**
 * Merges the per-package benchmark parts (bench/results/parts/*.json, written by each package's
 * `bench` script) into bench/results/latest.json and bench/results/latest.md.
 *
 * Usage: node --import tsx scripts/bench-report.ts [--help]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PARTS_DIR, REPO_ROOT, type BenchPart } from './bench-part';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(
    'Usage: node --import tsx scripts/bench-report.ts\nMerges bench/results/parts/*.json into bench/results/latest.{json,md}.',
  );
  process.exit(0);
}

const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
const partsDir = PARTS_DIR;
if (!existsSync(partsDir)) {
  console.error(`no benchmark parts in ${partsDir}: run \`npm run bench\``);
  process.exit(1);
}

const parts: BenchPart[] = readdirSync(partsDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(partsDir, f), 'utf8')) as BenchPart);

const fmt = (n: number): string =>
  Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : Number(n.toPrecision(3)).toString();

const machine = {
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  node: process.version,
  memGiB: Math.round(os.totalmem() / 2 ** 30),
};
const report = { generatedAt: new Date().toISOString(), machine, parts };
mkdirSync(resultsDir, { recursive: true });
writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');

const lines = [
  '# VeloZ benchmarks',
  '',
  `Generated ${report.generatedAt} on ${machine.cpus} × ${machine.cpu}, ${machine.memGiB} GiB, Node ${machine.node}.`,
  'Each figure sits beside its physical reference, measured in the same run. Produced by `npm run bench`.',
  '',
  '| package | benchmark | value | reference | ratio | goal | pass |',
  '| --- | --- | --- | --- | --- | --- | --- |',
];
let failed = 0;
for (const part of parts) {
  for (const r of part.rows) {
    if (!r.pass) failed++;
    const ref = r.reference ? `${fmt(r.reference.value)} ${r.reference.unit} (${r.reference.name})` : '—';
    const ratio = r.ratio == null ? '—' : r.ratio.toFixed(2);
    lines.push(
      `| ${part.package} | ${r.name} | ${fmt(r.value)} ${r.unit} | ${ref} | ${ratio} | ${r.goal} | ${r.pass ? 'yes' : '**no**'} |`,
    );
  }
}
writeFileSync(path.join(resultsDir, 'latest.md'), lines.join('\n') + '\n');
console.log(lines.join('\n'));
if (failed > 0) console.error(`\n${failed} benchmark goal(s) not met`);
