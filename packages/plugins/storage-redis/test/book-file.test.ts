// The crash tests' book file (test/helpers/book-file.ts): a line torn by a SIGKILLed writer is skipped,
// and the next writer's entry survives instead of being glued to the torn line.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { endTornLine, readBookFile } from './helpers/book-file';

const dir = mkdtempSync(path.join(tmpdir(), 'veloz-book-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('book file', () => {
  it('skips a torn last line and keeps the entry appended after it', () => {
    const file = path.join(dir, 'book.jsonl');
    appendFileSync(file, JSON.stringify({ k: 'a', v: { status: 'NEW' } }) + '\n');
    // A kill in the middle of the next append: half a line, no newline.
    appendFileSync(file, JSON.stringify({ k: 'b', v: { filledQuantity: '1' } }).slice(0, 20));
    expect(readBookFile(file).map((e) => e.k)).toEqual(['a']);

    endTornLine(file);
    appendFileSync(file, JSON.stringify({ k: 'c', v: { status: 'NEW' } }) + '\n');
    expect(readBookFile(file)).toEqual([
      { k: 'a', v: { status: 'NEW' } },
      { k: 'c', v: { status: 'NEW' } },
    ]);
    // A file that ends whole is left as it is.
    const before = readFileSync(file, 'utf8');
    endTornLine(file);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('reads no entries from a missing file', () => {
    expect(readBookFile(path.join(dir, 'none.jsonl'))).toEqual([]);
    expect(() => endTornLine(path.join(dir, 'none.jsonl'))).not.toThrow();
  });
});
