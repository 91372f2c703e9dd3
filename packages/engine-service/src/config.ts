import { DURABILITY_MODES } from '@veloz/storage-redis';
import { isDecimal } from '@veloz/engine';
import { z } from 'zod';
import { EngineServiceError } from './errors';

/** A venue plugin named by module, as the plugin host loads it (`createPlugin(config)`). */
export interface VenueModuleSpec {
  module: string;
  config?: unknown;
}

/** Risk limits set from the environment; absent fields keep the engine's defaults. */
export interface RiskEnvLimits {
  maxQuantity?: string;
  maxNotional?: string;
  priceBandBps?: number;
  maxOpenOrders?: number;
  maxOrdersPerSecond?: number;
}

/** The engine process's configuration, validated, defaults applied. */
export interface EngineServiceConfig {
  redisUrl: string;
  account: string;
  /** Base URL of the simulated exchange (the default venue, and what `--wait-for-sim` polls). */
  simUrl: string;
  /** Venue plugins; default: one `@veloz/venue-sim` venue at `simUrl`. */
  venues: VenueModuleSpec[];
  /** True when `venues` came from VELOZ_VENUES. */
  venuesFromEnv: boolean;
  wal: { durability: (typeof DURABILITY_MODES)[number]; leaseTtlMs: number; leaseWaitMs: number };
  risk: RiskEnvLimits;
  reconciliation: { enabled: boolean; intervalMs: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Lease owner id; undefined: the engine's default (host:pid:random). */
  owner: string | undefined;
  /** Commands processed at once (default 256). */
  commandConcurrency: number;
  /** Place-order commands older than this (ms since their `issuedAt`) expire unplaced; 0 = no limit. */
  commandMaxAgeMs: number;
}

/**
 * Every variable this process reads. `VELOZ_*` variables outside this list fail the start (a typo must
 * not pass silently), except the namespaces other VeloZ components own (see OTHER_COMPONENT_PREFIXES).
 */
export const ENGINE_SERVICE_ENV = {
  REDIS_URL: 'Redis URL (default redis://127.0.0.1:6379)',
  VELOZ_ACCOUNT: 'trading account, 1-32 chars of [A-Za-z0-9_-] (default dev)',
  VELOZ_SIM_URL: 'simulated exchange base URL (default http://127.0.0.1:$VELOZ_SIM_PORT, port 7070)',
  VELOZ_VENUES: 'JSON array of {"module","config"} venue plugin specs, replacing the default sim venue',
  VELOZ_WAL_DURABILITY: `WAL durability: ${DURABILITY_MODES.join(' | ')} (default ack)`,
  VELOZ_LEASE_TTL_MS: 'WAL writer lease TTL, ms (default 10000)',
  VELOZ_LEASE_WAIT_MS:
    "how long start waits for a previous writer's lease to expire, ms (default TTL + 5000)",
  VELOZ_RISK_MAX_ORDER_QTY: 'largest order quantity, decimal (default: no cap)',
  VELOZ_RISK_MAX_NOTIONAL: 'largest order notional, decimal (default: no cap)',
  VELOZ_RISK_PRICE_BAND_BPS: 'LIMIT price band around the last price, bps, 0 = off (default 1000)',
  VELOZ_RISK_MAX_OPEN_ORDERS: 'open orders allowed at once (default 1000)',
  VELOZ_RISK_MAX_ORDERS_PER_SECOND: 'orders accepted per second (default 100)',
  VELOZ_RECON_ENABLED: 'run the reconciliation worker: true | false (default true)',
  VELOZ_RECON_INTERVAL_MS: 'period of scheduled reconciliation, ms (default 30000)',
  VELOZ_LOG_LEVEL: 'pino level: fatal error warn info debug trace silent (default info)',
  VELOZ_ENGINE_OWNER: 'WAL lease owner id (default host:pid:random)',
  VELOZ_ENGINE_COMMAND_CONCURRENCY: 'commands processed at once (default 256)',
  VELOZ_ENGINE_COMMAND_MAX_AGE_MS:
    'place-order commands older than this are answered COMMAND_EXPIRED, not placed; ms, 0 = no limit (default 60000)',
} as const;

/**
 * `VELOZ_*` namespaces read by other processes (the sim exchange, the API, the PWA, venue credentials,
 * benchmarks, demos): the engine shares an environment with them in `scripts/dev.sh` and ignores them.
 */
export const OTHER_COMPONENT_PREFIXES = [
  'VELOZ_SIM_',
  'VELOZ_API_',
  'VELOZ_PWA_',
  'VELOZ_CCXT_',
  'VELOZ_BENCH_',
  'VELOZ_DEMO_',
  'VELOZ_METRICS_',
] as const;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
const positiveDecimal = z
  .string()
  .refine((s) => isDecimal(s) && Number(s) > 0, 'must be a positive decimal string such as "1.5"');
const bool = z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1');

const venueSpecsSchema = z.array(
  z.object({ module: z.string().min(1), config: z.unknown().optional() }).strict(),
);

const envSchema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  VELOZ_ACCOUNT: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 characters of [A-Za-z0-9_-]')
    .default('dev'),
  VELOZ_SIM_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  VELOZ_SIM_PORT: int(0, 65_535).optional(),
  VELOZ_VENUES: z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(venueSpecsSchema.min(1, 'must name at least one venue'))
    .optional(),
  VELOZ_WAL_DURABILITY: z.enum(DURABILITY_MODES).default('ack'),
  VELOZ_LEASE_TTL_MS: int(100).default(10_000),
  VELOZ_LEASE_WAIT_MS: int(0).optional(),
  VELOZ_RISK_MAX_ORDER_QTY: positiveDecimal.optional(),
  VELOZ_RISK_MAX_NOTIONAL: positiveDecimal.optional(),
  VELOZ_RISK_PRICE_BAND_BPS: int(0, 100_000).optional(),
  VELOZ_RISK_MAX_OPEN_ORDERS: int(1).optional(),
  VELOZ_RISK_MAX_ORDERS_PER_SECOND: int(1).optional(),
  VELOZ_RECON_ENABLED: bool.default(true),
  VELOZ_RECON_INTERVAL_MS: int(100).default(30_000),
  VELOZ_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VELOZ_ENGINE_OWNER: z.string().min(1).max(200).optional(),
  VELOZ_ENGINE_COMMAND_CONCURRENCY: int(1, 1024).default(256),
  VELOZ_ENGINE_COMMAND_MAX_AGE_MS: int(0, 86_400_000).default(60_000),
});

/**
 * Read the engine process's configuration from `env` (pure: nothing else is read). Empty values count as
 * unset. Throws EngineServiceError CONFIG_INVALID naming the variable when a value is bad or a `VELOZ_*`
 * variable is unknown.
 */
export function loadEngineServiceConfig(env: Record<string, string | undefined>): EngineServiceConfig {
  const unknown = Object.keys(env)
    .filter((k) => k.startsWith('VELOZ_') && !(k in ENGINE_SERVICE_ENV))
    .filter((k) => !OTHER_COMPONENT_PREFIXES.some((p) => k.startsWith(p)))
    .sort();
  if (unknown.length > 0)
    throw new EngineServiceError(
      'CONFIG_INVALID',
      `unknown variable ${unknown.join(', ')} (known: ${Object.keys(ENGINE_SERVICE_ENV).join(', ')})`,
    );

  const input: Record<string, string> = {};
  for (const k of [...Object.keys(ENGINE_SERVICE_ENV), 'VELOZ_SIM_PORT']) {
    const v = env[k];
    if (v !== undefined && v.trim() !== '') input[k] = v.trim();
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [name, ...rest] = issue.path.map(String);
    const where = rest.length > 0 ? ` at ${rest.join('.')}` : '';
    throw new EngineServiceError(
      'CONFIG_INVALID',
      `invalid ${name ?? 'environment'}${where}: ${issue.message}`,
    );
  }
  const e = parsed.data;
  const simUrl = e.VELOZ_SIM_URL ?? `http://127.0.0.1:${e.VELOZ_SIM_PORT || 7070}`;
  const risk: RiskEnvLimits = {};
  if (e.VELOZ_RISK_MAX_ORDER_QTY !== undefined) risk.maxQuantity = e.VELOZ_RISK_MAX_ORDER_QTY;
  if (e.VELOZ_RISK_MAX_NOTIONAL !== undefined) risk.maxNotional = e.VELOZ_RISK_MAX_NOTIONAL;
  if (e.VELOZ_RISK_PRICE_BAND_BPS !== undefined) risk.priceBandBps = e.VELOZ_RISK_PRICE_BAND_BPS;
  if (e.VELOZ_RISK_MAX_OPEN_ORDERS !== undefined) risk.maxOpenOrders = e.VELOZ_RISK_MAX_OPEN_ORDERS;
  if (e.VELOZ_RISK_MAX_ORDERS_PER_SECOND !== undefined)
    risk.maxOrdersPerSecond = e.VELOZ_RISK_MAX_ORDERS_PER_SECOND;

  return {
    redisUrl: e.REDIS_URL,
    account: e.VELOZ_ACCOUNT,
    simUrl,
    venues: e.VELOZ_VENUES ?? [{ module: '@veloz/venue-sim', config: { venue: 'sim', url: simUrl } }],
    venuesFromEnv: e.VELOZ_VENUES !== undefined,
    wal: {
      durability: e.VELOZ_WAL_DURABILITY,
      leaseTtlMs: e.VELOZ_LEASE_TTL_MS,
      leaseWaitMs: e.VELOZ_LEASE_WAIT_MS ?? e.VELOZ_LEASE_TTL_MS + 5000,
    },
    risk,
    reconciliation: { enabled: e.VELOZ_RECON_ENABLED, intervalMs: e.VELOZ_RECON_INTERVAL_MS },
    logLevel: e.VELOZ_LOG_LEVEL,
    owner: e.VELOZ_ENGINE_OWNER,
    commandConcurrency: e.VELOZ_ENGINE_COMMAND_CONCURRENCY,
    commandMaxAgeMs: e.VELOZ_ENGINE_COMMAND_MAX_AGE_MS,
  };
}

const SECRET_KEY = /secret|password|passphrase|token|api[-_]?key|private/i;

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '***' : redactValue(v)]),
    );
  return value;
}

/** Replace the password (and user) of a URL with `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return '***';
  }
}

/** The configuration as printable JSON-able data, with URL passwords and secret-looking fields redacted. */
export function describeConfig(config: EngineServiceConfig): Record<string, unknown> {
  return {
    ...config,
    redisUrl: redactUrl(config.redisUrl),
    simUrl: redactUrl(config.simUrl),
    venues: redactValue(config.venues),
  };
}
