/**
 * @veloz/api: the GraphQL API (graphql-yoga + Pothos + graphql-ws) and REST health endpoints, served
 * from a projection of the WAL; mutations travel to the engine as commands on a Redis stream.
 */
export { createApiServer, type ApiServer, type ApiServerOptions } from './server';
export {
  loadConfig,
  parseTokens,
  describeConfig,
  API_ENV_VARS,
  type ApiConfig,
  type Role,
  type TokenEntry,
} from './config';
export { createAuthenticator, createDevToken, canOperate, type Authenticator, type Principal } from './auth';
export { sha256Hex } from './auth-hash';
export * from './errors';
export { schema } from './schema';
export { createProjection, type Projection, type ProjectionStatus } from './projection/projection';
export {
  EventLog,
  CursorExpiredError,
  type ProjectedEvent,
  type ProjectionCounters,
} from './projection/event-log';
export { computeHealth, type HealthReport, type VenueHealth } from './services/health';
export type { ApiContext, ApiServices } from './context';
