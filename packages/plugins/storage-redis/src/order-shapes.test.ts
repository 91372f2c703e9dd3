import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('../test/fixtures/order-shapes.ts', import.meta.url));

describe('V8 shapes of a restored book', () => {
  // Why it matters: docs/performance.md "Why the recovery row moved to fresh processes" (each restored order
  // migrated to a new shape on its first tail event: fresh-process recovery 1.04-1.47 s against
  // 0.84-1.13 s with the shapes settled up front). Checked in a process of its own with V8's natives.
  it('keeps restored orders on the reducer’s shapes after a tail with boxed sequences, none deprecated', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', FIXTURE], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({
      restoredLikeLive: true,
      untouchedNotDeprecated: true,
      tailOrderLikeLive: true,
    });
  });
});
