import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killSession, ROOT, sessionPids, waitFor } from './support';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('startScript', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops the sessions it started when the test process gets ${signal} before its clean-up`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'veloz-reaper-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      // A script that starts a child of its own and waits, like dev.sh and start.sh.
      const script = join(dir, 'long.sh');
      writeFileSync(script, 'sleep 300 &\nwait\n');
      const owner = spawn(
        process.execPath,
        ['--import', 'tsx', 'packages/ops-tests/src/fixtures/session-owner.ts', script],
        {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      owner.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) =>
        owner.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : null))),
      );
      cleanups.push(() => owner.kill('SIGKILL'));
      const sid = await waitFor(
        'the session id',
        () => Number(/sid (\d+)/.exec(out)?.[1]) || undefined,
        30_000,
        50,
      );
      cleanups.push(() => killSession(sid));
      // The script and its sleep are up.
      await waitFor(
        'the script and its child',
        () => (sessionPids(sid).length >= 2 ? true : undefined),
        10_000,
        50,
      );

      owner.kill(signal);
      await exited;
      await waitFor(
        'the session to end',
        () => (sessionPids(sid).length === 0 ? true : undefined),
        10_000,
        50,
      );
      expect(sessionPids(sid)).toEqual([]);
    });
  }
});
