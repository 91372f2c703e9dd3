import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll, runCrashCycles } from './helpers/crash-harness';
import { deleteAccountKeys, uniqueAccount } from './helpers/redis';

const dir = mkdtempSync(path.join(os.tmpdir(), 'veloz-crash-'));
const account = uniqueAccount('crash');
afterEach(() => killAll());
afterAll(async () => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
  await deleteAccountKeys(account);
});

describe('engine SIGKILLed at random points during a stream of orders', () => {
  it('has, after every restart, every acknowledged order with the same state', async () => {
    const kills = Number(process.env.CRASH_KILLS ?? 20);
    const result = await runCrashCycles({
      kills,
      account,
      bookFile: path.join(dir, 'venue-book.jsonl'),
      log: (s) => process.env.CRASH_VERBOSE && console.log(s),
    });
    console.log(
      `crash test: seed ${result.seed} (replay with CRASH_SEED=${result.seed}), ${result.kills} kills, ` +
        `${result.acks.size} acknowledged orders, ${result.recovered.size} orders recovered, ` +
        `${result.snapshotStarts} starts from a snapshot`,
    );
    expect(result.acks.size).toBeGreaterThan(kills);
    expect(result.missing).toEqual([]);
    expect(result.mismatches).toEqual([]);
    expect(result.pendingAfterRestart).toEqual([]);
    expect(result.wrongResolution).toEqual([]);
    // The restarted engine's own book equals a fresh replay of the WAL.
    expect(result.digests[0]).toBe(result.digests[1]);
    expect(result.lastSeqs[0]).toBe(result.lastSeqs[1]);
    // The engines took background snapshots: restarts (and the fresh replay) began from one plus the tail.
    expect(result.snapshotStarts).toBeGreaterThan(0);
    expect(result.finalSnapshotSeq).not.toBeNull();
  }, 240_000);
});
