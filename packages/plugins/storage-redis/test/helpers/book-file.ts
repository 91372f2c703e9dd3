/**
 * The crash tests' venue book: a file of JSON lines `{ k, v }`, appended synchronously by the engine
 * process (test/fixtures/engine-process.ts) and read back by it after a restart and by the harness.
 *
 * A SIGKILL can land inside an append and leave a torn last line without its newline (seen once in CI,
 * 2026-11-28; Linux's buffered write checks for a fatal signal between the file's pages, so a write that
 * crosses a page boundary can stop there). The venue never finished taking that order, so readers skip a
 * line that does not parse, and the next writer ends the torn line first (else its own line would be
 * glued to it, and lost with it).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

/** Every whole entry of the book file, in order (a torn line skipped); none when there is no file. */
export function readBookFile<V>(path: string): { k: string; v: V }[] {
  if (!existsSync(path)) return [];
  const entries: { k: string; v: V }[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      entries.push(JSON.parse(line) as { k: string; v: V });
    } catch {
      // a torn line: the venue never finished taking that order
    }
  }
  return entries;
}

/** End a torn last line left by a killed writer, so that the next append starts a line of its own. */
export function endTornLine(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  if (text !== '' && !text.endsWith('\n')) appendFileSync(path, '\n');
}
