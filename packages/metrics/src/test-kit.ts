import { createEngine, type Engine } from '@veloz/engine';
import {
  createMemoryStorage,
  createTestVenue,
  testOrderRequest,
  type MemoryStorage,
  type TestVenue,
} from '@veloz/engine/testing';
import { createEngineMetrics, type EngineMetrics } from './engine-metrics';

// Shared by this package's test files (not exported from the package).

export const ACCOUNT = 'acc-m';

export const order = (id: string, patch: Record<string, unknown> = {}) =>
  testOrderRequest(ACCOUNT, id, patch);

export interface Rig {
  engine: Engine;
  metrics: EngineMetrics;
  storage: MemoryStorage;
  venue: TestVenue;
  stop(): Promise<void>;
}

/** A real engine (memory storage, test venue) with its metrics attached and started. */
export async function startRig(
  opts: { now?: () => number; risk?: Record<string, unknown> } = {},
): Promise<Rig> {
  const metrics = createEngineMetrics(opts.now ? { now: opts.now } : {});
  const storage = createMemoryStorage();
  const venue = createTestVenue();
  const engine = createEngine(
    { account: ACCOUNT },
    {
      storage: metrics.instrumentStorage(storage),
      venues: [venue],
      ...(opts.risk ? { risk: opts.risk } : {}),
    },
  );
  metrics.attach(engine);
  await engine.start();
  venue.tick('BTC-USD', '100');
  return {
    engine,
    metrics,
    storage,
    venue,
    async stop() {
      await engine.stop();
      metrics.stop();
    },
  };
}

export async function waitFor(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
