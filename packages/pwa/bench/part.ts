import { writeBenchPart, type BenchRow } from '../../../scripts/bench-part';

export type { BenchRow };

/** Merge `rows` into `bench/results/parts/pwa.json` (rows with the same name are replaced). */
export function writeRows(rows: BenchRow[]): void {
  writeBenchPart('pwa.json', { package: '@veloz/pwa', rows }, { merge: true });
}
