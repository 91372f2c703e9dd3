import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { pollUntil, processAlive } from './poll';

describe('pollUntil', () => {
  it('resolves with the first value that is not undefined or false', async () => {
    let calls = 0;
    const v = await pollUntil(
      () => (++calls >= 3 ? `done after ${calls}` : undefined),
      'three calls',
      2000,
      1,
    );
    expect(v).toBe('done after 3');
  });

  it('throws naming what it waited for once the deadline passes', async () => {
    await expect(pollUntil(() => false, 'the impossible', 30, 5)).rejects.toThrow(
      'timed out after 30 ms waiting for the impossible',
    );
  });
});

describe('processAlive', () => {
  it('is true for a running process and false once a process has exited', () => {
    expect(processAlive(process.pid)).toBe(true);
    const child = spawnSync(process.execPath, ['-e', '0']);
    expect(child.status).toBe(0);
    expect(processAlive(child.pid!)).toBe(false);
  });
});
