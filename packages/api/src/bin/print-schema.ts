/**
 * Writes the API's schema, generated from the Pothos code, as SDL to `schema.graphql` (the committed
 * contract for integrators). `--check` writes nothing and exits 1 when the committed file differs.
 *
 * Usage: npm run schema -w @veloz/api [-- --check] [-- --file <path>]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../schema';

/** The SDL of the schema, types sorted by name so the file diffs cleanly. */
export function schemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--file');
  const file = at >= 0 ? args[at + 1] : SCHEMA_FILE;
  if (!file || args.some((a, i) => a.startsWith('--') && a !== '--check' && !(a === '--file' && i === at))) {
    console.error('usage: print-schema.ts [--check] [--file <path>]');
    process.exit(2);
  }
  const sdl = schemaSdl();
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      // Missing: reported as drift below.
    }
    if (committed !== sdl) {
      console.error(`${file} is out of date: run \`npm run schema -w @veloz/api\``);
      process.exit(1);
    }
    console.log(`${file} matches the code`);
  } else {
    writeFileSync(file, sdl);
    console.log(`wrote ${file}`);
  }
}
