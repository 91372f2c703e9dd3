import { afterEach } from 'vitest';
import { testOrderRequest } from '../testing/fixtures';
import { createMemoryStorage, type MemoryStorage } from '../testing/memory-storage';
import { createTestVenue, type TestVenue, type TestVenueOptions } from '../testing/test-venue';
import type { RiskLimitsInput } from '../risk/risk';
import { createEngine } from './engine';
import type { Engine, EngineConfig } from './types';

// Shared by the engine test files (not exported from the package).

export const ACCOUNT = 'acc-1';
export const order = (id: string, patch: Record<string, unknown> = {}) =>
  testOrderRequest(ACCOUNT, id, patch);

export async function waitFor(pred: () => boolean, what: string, timeoutMs = 3_000) {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const engines: Engine[] = [];
/** Call from each test file: stops every engine a test created. */
export function stopEnginesAfterEach(): void {
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.stop()));
  });
}

export interface Setup {
  engine: Engine;
  storage: MemoryStorage;
  venue: TestVenue;
  clock: { now: () => number; t: number };
}

export async function setup(
  opts: {
    risk?: RiskLimitsInput;
    venue?: TestVenueOptions;
    storage?: MemoryStorage;
    config?: Partial<EngineConfig>;
    tick?: boolean;
  } = {},
): Promise<Setup> {
  const clock = { t: 1_000_000, now: () => clock.t };
  const storage = opts.storage ?? createMemoryStorage();
  const venue = createTestVenue(opts.venue);
  const engine = createEngine(
    { account: ACCOUNT, ...opts.config },
    { storage, venues: [venue], clock, risk: opts.risk },
  );
  engines.push(engine);
  await engine.start();
  if (opts.tick !== false) venue.tick('BTC-USD', '100');
  return { engine, storage, venue, clock };
}

export const walTypes = (s: MemoryStorage) =>
  s.entries().map((e) => `${e.type}:${(e.payload as { clientOrderId: string }).clientOrderId}`);
