import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage';
import { createTestVenue } from '../testing/test-venue';
import { createEngine } from './engine';
import { ACCOUNT, engines, order, setup, stopEnginesAfterEach, waitFor } from './engine-test-kit';

stopEnginesAfterEach();

describe('engine snapshots', () => {
  it('takes background snapshots every K entries and a restart recovers from the newest plus the tail', async () => {
    const storage = createMemoryStorage();
    const first = await setup({ storage, config: { snapshotEveryEntries: 5, snapshotEveryMs: 0 } });
    for (let i = 0; i < 6; i++) await first.engine.placeOrder(order(`s${i}`));
    // Each order journals SUBMITTED + ACCEPTED: 12 sequences, so at least two snapshots were due.
    await waitFor(() => first.engine.orders().every((o) => o.status === 'NEW'), 'orders accepted');
    // Snapshots are saved in the background: poll the storage with a deadline.
    let snaps = await storage.snapshots.list();
    for (const deadline = Date.now() + 3_000; snaps.length < 2 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 5));
      snaps = await storage.snapshots.list();
    }
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    first.venue.fill('s0', '1', '100');
    await waitFor(() => first.engine.getOrder('s0')?.status === 'FILLED', 's0 filled');
    const live = first.engine.orders();
    const lastSeq = first.engine.status().wal.lastSeq;
    await first.engine.stop();

    snaps = await storage.snapshots.list();
    const newest = snaps[0]!;
    expect(newest.seq).toBeGreaterThanOrEqual(10);
    expect(newest.seq).toBeLessThan(lastSeq);
    // The WAL was trimmed below the oldest snapshot kept: a full replay is no longer possible.
    expect(storage.entries()[0]!.seq).toBeGreaterThan(1);

    const venue2 = createTestVenue({ book: first.venue.book });
    const second = createEngine({ account: ACCOUNT, snapshotEveryMs: 0 }, { storage, venues: [venue2] });
    engines.push(second);
    await second.start();
    const recovery = second.status().recovery!;
    expect(recovery.snapshotSeq).toBe(newest.seq);
    expect(recovery.entriesApplied).toBe(lastSeq - newest.seq);
    expect(recovery.entriesSkipped).toBe(0);
    expect(second.orders()).toEqual(live);
  });

  it('takes no snapshot when both triggers are off', async () => {
    const storage = createMemoryStorage();
    const s = await setup({ storage, config: { snapshotEveryEntries: 0, snapshotEveryMs: 0 } });
    for (let i = 0; i < 6; i++) await s.engine.placeOrder(order(`n${i}`));
    await s.engine.stop();
    expect(await storage.snapshots.list()).toEqual([]);
    expect(storage.entries()[0]!.seq).toBe(1);
  });

  it('refuses a negative snapshot interval, naming the field', () => {
    const storage = createMemoryStorage();
    expect(() =>
      createEngine({ account: ACCOUNT, snapshotEveryEntries: -1 }, { storage, venues: [] }),
    ).toThrow(/snapshotEveryEntries/);
  });
});
