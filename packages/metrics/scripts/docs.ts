/**
 * Regenerates the generated parts of docs/operations.md (metric table from the catalog, embedded
 * Prometheus files). Usage: npm run docs -w @veloz/metrics [-- --check]   (--check: exit 1 when stale)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { regenerateOperationsDoc } from '../src/docs';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(
    'Usage: node --import tsx scripts/docs.ts [--check]\nRegenerates docs/operations.md from the metric catalog and ops/prometheus/*.yml.',
  );
  process.exit(0);
}
const root = path.resolve(import.meta.dirname, '../../..');
const file = path.join(root, 'docs', 'operations.md');
const doc = readFileSync(file, 'utf8');
// Formatted as the repository's prettier would, so `prettier --check` and `--check` here agree.
const next = await format(
  regenerateOperationsDoc(doc, (p) => readFileSync(path.join(root, p), 'utf8')),
  {
    ...(await resolveConfig(file)),
    filepath: file,
  },
);
if (process.argv.includes('--check')) {
  if (next !== doc) {
    console.error('docs/operations.md is stale: run `npm run docs -w @veloz/metrics`');
    process.exit(1);
  }
  console.log('docs/operations.md is up to date');
} else {
  writeFileSync(file, next);
  console.log(next === doc ? 'docs/operations.md unchanged' : 'docs/operations.md regenerated');
}
