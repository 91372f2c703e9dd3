/** Two workers of one account, in one process but with their own connections and venue clients. */
import { createSimVenue, spawnSimExchange, type SpawnedSimExchange } from '@veloz/venue-sim';
import type { VenuePlugin } from '@veloz/engine';
import { afterEach, describe, expect, it } from 'vitest';
import { createReconciliation, type Reconciliation } from '../src/index';
import { cleanupAccount, pluginContext, REDIS_URL, uniqueAccount, waitFor } from './harness';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('two reconciliation workers of one account', () => {
  it('never reconcile the account at the same time', async () => {
    const account = uniqueAccount('workers');
    cleanups.push(() => cleanupAccount(account));
    // Each request takes ~20 ms at the exchange, so a run lasts long enough for two workers to collide.
    const sim: SpawnedSimExchange = await spawnSimExchange(['--tick-ms', '0', '--latency-ms', '20']);
    cleanups.push(() => sim.kill());
    await sim.admin('bulk-orders', { symbol: 'BTC-USD', count: 50 });

    const workers: Reconciliation[] = [];
    for (let i = 0; i < 2; i++) {
      const venue: VenuePlugin = createSimVenue({ url: sim.url });
      await venue.start(pluginContext(account));
      cleanups.push(() => venue.stop());
      const recon = createReconciliation(
        { connection: REDIS_URL, account, schedule: false, startupRun: false, haltAfterRuns: 0, graceMs: 0 },
        { venues: [venue], getOrders: () => [], journal: async () => undefined },
      );
      cleanups.push(() => recon.stop());
      await recon.start();
      workers.push(recon);
    }
    const runs = 8;
    await Promise.all(Array.from({ length: runs }, (_, i) => workers[i % 2]!.enqueue('on-demand')));
    const reports = await waitFor(
      async () => {
        const r = await workers[0]!.reports(50);
        return r.length >= runs ? r : undefined;
      },
      20_000,
      `${runs} reports`,
    );
    expect(reports.every((r) => r.status === 'completed' && r.counts.ORPHANED === 50)).toBe(true);
    // Both workers took jobs, and no two runs overlapped in time.
    expect(new Set(reports.map((r) => r.workerId)).size).toBe(2);
    const spans = reports.map((r) => [r.startedAt, r.finishedAt] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });
});
