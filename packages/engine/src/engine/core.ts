import type { Logger } from 'pino';
import { VelozError } from '../errors';
import type { EventBus } from '../bus/event-bus';
import type { Decimal } from '../domain/decimal';
import type { Clock } from '../plugins/context';
import type { VenuePlugin } from '../plugins/venue';
import type { RateWindow, RiskLimits } from '../risk/risk';
import type { OrderStore } from '../store/order-store';
import type { Journal } from './journal';
import type { StatsRecorder } from './stats';
import type { EngineState, ResolvedEngineConfig } from './types';

/** The engine's internals shared by its parts (never given to plugins). */
export interface EngineCore {
  config: ResolvedEngineConfig;
  clock: Clock;
  logger: Logger;
  limits: RiskLimits;
  bus: EventBus;
  stats: StatsRecorder;
  venues: Map<string, VenuePlugin>;
  /** Symbols per venue; undefined when the venue's instruments could not be read. */
  symbols: Map<string, ReadonlySet<string> | undefined>;
  /** Last price by `${venue}|${symbol}`. */
  lastPrices: Map<string, Decimal>;
  rate: RateWindow;
  /** Client order ids between validation and their first journal entry. */
  inflight: Set<string>;
  /**
   * Venue submissions in flight, by client order id: settles once the venue's answer is journaled or
   * after `submitTimeoutMs` (outcome unknown). Never rejects.
   */
  submitting: Map<string, Promise<unknown>>;
  store(): OrderStore;
  journal(): Journal | undefined;
  state(): EngineState;
}

export const priceKey = (venue: string, symbol: string) => `${venue}|${symbol}`;

/** Reject with VelozError VENUE_TIMEOUT when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new VelozError('VENUE_TIMEOUT', `${what} timed out after ${ms} ms`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
