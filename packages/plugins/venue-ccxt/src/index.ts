export { createCcxtVenue, createPlugin, type CcxtVenueOptions } from './venue';
export {
  ccxtVenueConfigSchema,
  CcxtVenueError,
  defaultEnvName,
  parseCcxtVenueConfig,
  readCredentials,
  type CcxtVenueConfig,
  type CcxtVenueConfigInput,
  type Credentials,
} from './config';
export { createExchange, EXCHANGE_DEFAULT_OPTIONS, rewriteApiUrls } from './exchange';
export { describeCcxtError, mapCcxtError, mapOrder, mapOrderStatus, mapTrade, toDecimal } from './map';
export { checkOrder, marketRules, toInstrumentSpec, type MarketRules, type RuleViolation } from './rules';
export { createExecutionTracker, type ExecutionTracker, type TrackedFill } from './execution-tracker';
