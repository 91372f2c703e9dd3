/**
 * @veloz/engine-service: the engine process of one account. Runs `@veloz/engine` on the Redis WAL with
 * venue plugins, consumes commands from the Redis command stream, publishes the heartbeat and KPI
 * samples, and runs the reconciliation worker. Entry point: `src/bin/engine.ts`.
 */
export {
  loadEngineServiceConfig,
  describeConfig,
  redactUrl,
  ENGINE_SERVICE_ENV,
  OTHER_COMPONENT_PREFIXES,
  type EngineServiceConfig,
  type RiskEnvLimits,
  type VenueModuleSpec,
} from './config';
export { EngineServiceError, type EngineServiceErrorCode } from './errors';
export {
  createEngineService,
  type EngineService,
  type EngineServiceDeps,
  type EngineServiceReady,
  type EngineServiceState,
} from './service';
export {
  handleCommand,
  commandKey,
  parseCommand,
  type CommandHandlerDeps,
  type CommandOutcome,
  type ParsedCommand,
} from './commands';
export {
  createCommandConsumer,
  type CommandConsumer,
  type CommandConsumerOptions,
  type CommandCounters,
} from './command-consumer';
export { buildHeartbeat, createHeartbeat, type HeartbeatOptions, type HeartbeatPublisher } from './heartbeat';
export {
  commandQueueFromGroups,
  createKpiPublisher,
  readCommandQueueDepth,
  METRICS_TTL_MS,
  type KpiPublisher,
  type KpiPublisherOptions,
} from './kpi';
export { waitForHttp } from './wait-for-http';
