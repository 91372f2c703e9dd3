import type { Logger } from 'pino';

/** Time source, injectable so tests and replays control it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * What a plugin receives at start: a clock, a logger bound to the plugin's name, and the account it
 * serves. Never the engine's internals.
 */
export interface PluginContext {
  clock: Clock;
  logger: Logger;
  account: string;
}

/** Common lifecycle of every plugin. */
export interface Plugin {
  /** Namespaced name, `kind:id`, e.g. "venue:sim" or "storage:redis". */
  readonly name: string;
  /** Acquire resources and connect. Rejects when the plugin cannot work at all (bad config). */
  start(ctx: PluginContext): Promise<void>;
  /** Release everything. Idempotent: a second call resolves at once. Never rejects. */
  stop(): Promise<void>;
}
