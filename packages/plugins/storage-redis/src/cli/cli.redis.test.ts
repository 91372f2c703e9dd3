import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Redis } from 'ioredis';
import { orderEventEntry } from '@veloz/engine';
import { deleteAccountKeys, pluginContext, REDIS_URL, uniqueAccount } from '../../test/helpers/redis';
import { orderFlow } from '../../test/helpers/orders';
import { createRedisStorage } from '../storage';
import { main } from './main';

const bin = path.resolve(import.meta.dirname, '../../bin/veloz-wal.js');
const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, REDIS_URL },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const clean = uniqueAccount('cli');
const dirty = uniqueAccount('cli');
const events = orderFlow(40, 5);

beforeAll(async () => {
  for (const account of [clean, dirty]) {
    const storage = createRedisStorage({ account });
    await storage.start(pluginContext(account));
    const lease = await storage.wal.acquireLease('cli-test');
    await storage.wal.append(lease, events.map(orderEventEntry));
    await lease.release();
    await storage.stop();
  }
  const raw = new Redis(REDIS_URL);
  await raw.xdel(`veloz:{${dirty}}:wal`, '10-0', '11-0');
  raw.disconnect();
});
afterAll(async () => {
  await deleteAccountKeys(clean);
  await deleteAccountKeys(dirty);
});

describe('veloz-wal', () => {
  it('prints help for every command and fails clearly without an account', async () => {
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((t: string) => void printed.push(t));
    const error = vi.spyOn(console, 'error').mockImplementation((t: string) => void printed.push(t));
    try {
      for (const cmd of ['inspect', 'verify', 'replay', 'compact']) {
        printed.length = 0;
        expect(await main([cmd, '--help'], {})).toBe(0);
        expect(printed.join('\n')).toContain(`veloz-wal ${cmd}`);
      }
      printed.length = 0;
      expect(await main(['verify'], {})).toBe(2);
      expect(printed.join('\n')).toContain('no account: pass --account or set VELOZ_ACCOUNT');
      printed.length = 0;
      expect(await main(['frobnicate'], {})).toBe(2);
      expect(printed.join('\n')).toContain('unknown command "frobnicate"');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    // The installed bin (tsx shim) runs too.
    const res = await run('--help');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: veloz-wal <command>');
  }, 60_000);

  it('verifies, inspects and dry-runs a WAL, reporting the deleted range', async () => {
    const ok = await run('verify', '--account', clean, '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, entriesRead: events.length, corruptions: 0 });
    const bad = await run('verify', '--account', dirty, '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).list).toEqual([
      expect.objectContaining({ reason: 'GAP', seq: 10, toSeq: 11 }),
    ]);
    const info = JSON.parse((await run('inspect', '--account', dirty, '--json')).stdout);
    expect(info).toMatchObject({
      length: events.length - 2,
      lastSeq: events.length,
      head: '1-0',
      lease: null,
    });
    const replay = await run('replay', '--dry-run', '--account', dirty, '--json');
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({
      gaps: [{ fromSeq: 10, toSeq: 11 }],
      lastSeq: events.length,
    });
    expect((await run('replay', '--account', dirty)).code).toBe(2);
  }, 60_000);

  it('compacts a clean WAL and refuses to bake in a corrupt one', async () => {
    expect((await run('compact', '--account', dirty)).code).toBe(1);
    const res = await run('compact', '--account', clean, '--json');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      snapshotSeq: events.length,
      removed: events.length,
      lengthAfter: 0,
    });
    const after = JSON.parse((await run('replay', '--dry-run', '--account', clean, '--json')).stdout);
    expect(after).toMatchObject({ snapshotSeq: events.length, entriesApplied: 0, entriesSkipped: 0 });
  }, 60_000);
});
