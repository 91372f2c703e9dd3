/**
 * @veloz/venue-sim: a simulated exchange (HTTP + WebSocket + admin fault injection, runnable as its own
 * process with `src/bin/sim-exchange.ts`) and the venue plugin that trades on it over the network.
 */
export { createSimVenue, createPlugin } from './plugin/sim-venue';
export {
  parseSimVenueConfig,
  simVenueConfigSchema,
  type SimVenueConfig,
  type SimVenueConfigInput,
} from './plugin/config';
export {
  createSimExchange,
  type SimExchange,
  type SimExchangeAdmin,
  type PushOption,
} from './server/sim-exchange';
export {
  DEFAULT_INSTRUMENTS,
  SimConfigError,
  parseSimExchangeConfig,
  simExchangeConfigFromEnv,
  simExchangeConfigSchema,
  type SimExchangeConfig,
  type SimExchangeConfigInput,
} from './server/config';
export {
  MatchingEngine,
  type MatchingEngineConfig,
  type SimFill,
  type SimInstrument,
  type SimOrderInput,
  type SubmitOutcome,
} from './server/matching-engine';
export type { SimWsMessage } from './server/ws-hub';
export { spawnSimExchange, type SpawnedSimExchange } from './testing/spawn-sim-exchange';
