/**
 * The benchmark part contract shared by every package's `bench` script and by scripts/bench-report.ts:
 * each script writes `bench/results/parts/<file>.json` = `{ package, machine, rows, ... }`, and the
 * report merges them into bench/results/latest.{json,md}.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One figure beside its physical reference measured in the same run. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  reference: { name: string; value: number; unit: string } | null;
  ratio?: number | null;
  goal: string;
  pass: boolean;
}

export interface BenchPart {
  package: string;
  rows: BenchRow[];
  [extra: string]: unknown;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
export const PARTS_DIR = path.join(REPO_ROOT, 'bench', 'results', 'parts');

/**
 * Write `bench/results/parts/<file>` with the machine it ran on. `merge: true` keeps rows of an
 * existing part whose names this call does not write (a package with several bench files).
 * Returns the path written.
 */
export function writeBenchPart(
  file: string,
  part: BenchPart,
  options: { merge?: boolean; machine?: Record<string, unknown> } = {},
): string {
  const target = path.join(PARTS_DIR, file);
  let rows = part.rows;
  if (options.merge && existsSync(target)) {
    try {
      const old = (JSON.parse(readFileSync(target, 'utf8')) as BenchPart).rows ?? [];
      const names = new Set(rows.map((r) => r.name));
      rows = [...old.filter((r) => !names.has(r.name)), ...rows];
    } catch {
      // An unreadable old part is replaced.
    }
  }
  const machine = { cpus: os.cpus().length, node: process.version, ...options.machine };
  mkdirSync(PARTS_DIR, { recursive: true });
  writeFileSync(target, JSON.stringify({ ...part, machine, rows }, null, 2) + '\n');
  console.log(`wrote ${path.relative(REPO_ROOT, target)}`);
  return target;
}
