import { backoffConfigSchema, VelozError } from '@veloz/engine';
import ccxt from 'ccxt';
import { z } from 'zod';

/** Base error of @veloz/venue-ccxt for failures that are not a venue's answer (bad config, missing credentials). */
export class CcxtVenueError extends VelozError {}

/** Default env var holding an exchange's API key: `VELOZ_CCXT_<EXCHANGE>_API_KEY`. */
export function defaultEnvName(exchange: string, what: 'API_KEY' | 'API_SECRET' | 'API_PASSWORD'): string {
  return `VELOZ_CCXT_${exchange.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${what}`;
}

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** Configuration of one ccxt venue. Credentials are never part of it: only the names of the env vars holding them. */
export const ccxtVenueConfigSchema = z
  .object({
    /** ccxt exchange id, e.g. "binance", "kraken", "okx". */
    exchange: z.string().refine((id) => ccxt.exchanges.includes(id), {
      message: 'not an exchange ccxt supports (see ccxt.exchanges)',
    }),
    /** Venue id (`OrderRequest.venue`); the plugin is named `venue:<id>`. Defaults to the exchange id. */
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .optional(),
    /** Env var with the API key. Default `VELOZ_CCXT_<EXCHANGE>_API_KEY`. */
    apiKeyEnv: envName.optional(),
    /** Env var with the API secret. Default `VELOZ_CCXT_<EXCHANGE>_API_SECRET`. */
    secretEnv: envName.optional(),
    /** Env var with the API passphrase, for exchanges that need one (OKX, KuCoin). Read only when set. */
    passwordEnv: envName.optional(),
    /** Use the exchange's testnet/sandbox URLs (ccxt `setSandboxMode`). */
    sandbox: z.boolean().default(false),
    /** ccxt unified symbols this venue trades and polls, e.g. ["BTC/USDT"]. */
    symbols: z.array(z.string().min(1)).min(1),
    /** Interval of the order/fill poll (also the health probe), ms. */
    pollIntervalMs: z.number().int().min(10).default(1_000),
    /** Interval of the ticker poll for marketData$, ms; 0 disables market data. */
    marketDataPollMs: z.number().int().min(0).default(2_000),
    /** Replace the scheme and host of every REST URL of the exchange (a proxy, a regional host, a local double). */
    baseUrl: z.url().optional(),
    /** Use ccxt's websocket `watch*` methods where the exchange has them; polling stays on as the safety net. */
    websocket: z.boolean().default(false),
    /** Timeout of one HTTP request, ms (ccxt `timeout`). */
    timeoutMs: z.number().int().positive().default(10_000),
    /** ccxt's rate limiter spacing, ms per request weight unit. Default: the exchange's own figure. */
    rateLimitMs: z.number().positive().optional(),
    /** Backoff between reconnect attempts. */
    reconnect: backoffConfigSchema.default({ initialMs: 250, maxMs: 30_000, multiplier: 2, jitter: 'full' }),
    /** How long `start` waits for the first connection before resolving anyway (the plugin keeps trying), ms. */
    startTimeoutMs: z.number().int().min(0).default(10_000),
    /** Extra ccxt `options` merged over the plugin's defaults for the exchange. */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type CcxtVenueConfigInput = z.input<typeof ccxtVenueConfigSchema>;
export type CcxtVenueConfig = z.output<typeof ccxtVenueConfigSchema> & {
  id: string;
  apiKeyEnv: string;
  secretEnv: string;
};

/** Validate and apply defaults once. Throws CcxtVenueError naming the bad field. */
export function parseCcxtVenueConfig(input: unknown): CcxtVenueConfig {
  const result = ccxtVenueConfigSchema.safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new CcxtVenueError('CCXT_CONFIG_INVALID', `invalid venue-ccxt config: ${issues.join('; ')}`);
  }
  const c = result.data;
  return {
    ...c,
    id: c.id ?? c.exchange,
    apiKeyEnv: c.apiKeyEnv ?? defaultEnvName(c.exchange, 'API_KEY'),
    secretEnv: c.secretEnv ?? defaultEnvName(c.exchange, 'API_SECRET'),
  };
}

/** API credentials. Held only by the ccxt instance; never logged. */
export interface Credentials {
  apiKey: string;
  secret: string;
  password?: string;
}

/** Read the credentials from the env vars the config names. Throws CcxtVenueError naming a missing variable. */
export function readCredentials(config: CcxtVenueConfig, env: NodeJS.ProcessEnv = process.env): Credentials {
  const need = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') {
      throw new CcxtVenueError('CCXT_CREDENTIALS_MISSING', `environment variable ${name} is not set`);
    }
    return v;
  };
  const creds: Credentials = { apiKey: need(config.apiKeyEnv), secret: need(config.secretEnv) };
  if (config.passwordEnv) creds.password = need(config.passwordEnv);
  return creds;
}
