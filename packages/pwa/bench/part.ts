import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';

/** One benchmark row, per the shared benchmark contract. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  reference: { name: string; value: number; unit: string } | null;
  ratio: number | null;
  goal: string;
  pass: boolean;
}

/** `<repo>/bench/results/parts/pwa.json`. */
export const PART_FILE = resolve(import.meta.dirname, '../../../bench/results/parts/pwa.json');

/** Merge `rows` into this package's part file (rows with the same name are replaced). */
export function writeRows(rows: BenchRow[]): void {
  let existing: BenchRow[] = [];
  if (existsSync(PART_FILE)) {
    try {
      existing = (JSON.parse(readFileSync(PART_FILE, 'utf8')) as { rows: BenchRow[] }).rows ?? [];
    } catch {
      existing = [];
    }
  }
  const names = new Set(rows.map((r) => r.name));
  const merged = [...existing.filter((r) => !names.has(r.name)), ...rows];
  mkdirSync(resolve(PART_FILE, '..'), { recursive: true });
  writeFileSync(
    PART_FILE,
    `${JSON.stringify({ package: '@veloz/pwa', machine: { cpus: cpus().length, node: process.version }, rows: merged }, null, 2)}\n`,
  );
  console.log(`wrote ${PART_FILE}`);
}
