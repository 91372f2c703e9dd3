import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pwaDistDir } from '@veloz/pwa';
import { z } from 'zod';
import { sha256Hex } from './auth-hash';
import { ApiConfigError } from './errors';
import { devCorsOrigins, parseCorsOrigins } from './http/cors';

const ROLES = ['viewer', 'operator'] as const;
/** What a token allows: `viewer` reads and subscribes, `operator` also places/cancels and reconciles. */
export type Role = (typeof ROLES)[number];

/** A configured API token; only its SHA-256 is kept in memory. */
export interface TokenEntry {
  name: string;
  role: Role;
  /** Hex SHA-256 of the token. */
  sha256: string;
}

/** Every `VELOZ_API_*` variable this build knows; any other fails the start (typos must not pass silently). */
export const API_ENV_VARS = [
  'VELOZ_API_PORT',
  'VELOZ_API_HOST',
  'VELOZ_API_TOKENS',
  'VELOZ_API_COMMAND_TIMEOUT_MS',
  'VELOZ_API_BODY_LIMIT_BYTES',
  'VELOZ_API_MAX_DEPTH',
  'VELOZ_API_MAX_ALIASES',
  'VELOZ_API_MAX_TOKENS',
  'VELOZ_API_MAX_COST',
  'VELOZ_API_EVENT_LOG_SIZE',
  'VELOZ_API_LOG_LEVEL',
  'VELOZ_API_STATIC',
  'VELOZ_API_STATIC_DIR',
  'VELOZ_API_WORKERS',
  'VELOZ_API_CORS_ORIGINS',
  'VELOZ_API_RATE_LIMIT',
  'VELOZ_API_RATE_BURST',
] as const;

/** Most worker processes `VELOZ_API_WORKERS` accepts. */
export const MAX_WORKERS = 64;

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    );

const envSchema = z.object({
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, { error: 'must be a redis:// or rediss:// URL' })
    .default('redis://127.0.0.1:6379'),
  VELOZ_ACCOUNT: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, { error: 'must be 1-32 characters of [A-Za-z0-9._-]' })
    .default('dev'),
  VELOZ_ENV: z
    .enum(['development', 'production'], { error: 'must be development or production' })
    .default('production'),
  VELOZ_API_PORT: intIn(0, 65535).default(8080),
  VELOZ_API_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]{1,253}$/, { error: 'must be a host name or IP address' })
    .default('127.0.0.1'),
  VELOZ_API_TOKENS: z.string().default(''),
  VELOZ_API_COMMAND_TIMEOUT_MS: intIn(100, 120_000).default(5000),
  VELOZ_API_BODY_LIMIT_BYTES: intIn(1024, 10_000_000).default(102_400),
  VELOZ_API_MAX_DEPTH: intIn(2, 50).default(10),
  VELOZ_API_MAX_ALIASES: intIn(1, 100).default(15),
  VELOZ_API_MAX_TOKENS: intIn(50, 100_000).default(2000),
  VELOZ_API_MAX_COST: intIn(100, 1_000_000).default(5000),
  VELOZ_API_EVENT_LOG_SIZE: intIn(100, 10_000_000).default(100_000),
  VELOZ_API_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VELOZ_API_STATIC: z.enum(['on', 'off'], { error: 'must be on or off' }).optional(),
  VELOZ_API_STATIC_DIR: z.string().optional(),
  VELOZ_API_WORKERS: z
    .string()
    .regex(/^(?:auto|\d+)$/, { error: 'must be a whole number of processes or auto' })
    .transform((v) => (v === 'auto' ? availableParallelism() : Number(v)))
    .pipe(
      z
        .number()
        .int()
        .min(1, { error: 'must be at least 1' })
        .max(MAX_WORKERS, { error: `must be at most ${MAX_WORKERS}` }),
    )
    .default(1),
  VELOZ_API_CORS_ORIGINS: z.string().optional(),
  VELOZ_API_RATE_LIMIT: intIn(0, 1_000_000).default(100),
  VELOZ_API_RATE_BURST: intIn(1, 10_000_000).optional(),
});

/** The API's resolved configuration. */
export interface ApiConfig {
  redisUrl: string;
  account: string;
  env: 'development' | 'production';
  port: number;
  host: string;
  tokens: TokenEntry[];
  /** A mutation waits this long for the engine's result, ms (default 5000). */
  commandTimeoutMs: number;
  /** Largest accepted request body, bytes (default 100 KiB). */
  bodyLimitBytes: number;
  limits: { maxDepth: number; maxAliases: number; maxTokens: number; maxCost: number };
  /** Order events kept in memory for `orderEvents` cursors (default 100 000). */
  eventLogSize: number;
  logLevel: string;
  /**
   * Directory of the built PWA served at `/` (static files, SPA fallback), or undefined when the API
   * serves no static files. See `resolveStaticDir`.
   */
  staticDir: string | undefined;
  /**
   * API processes to run (`VELOZ_API_WORKERS`, default 1; `auto` = the machine's cores). Above 1 the
   * started process is a node:cluster primary whose workers are full replicas sharing the port.
   */
  workers: number;
  /**
   * Browser origins allowed to call the API cross-origin (`VELOZ_API_CORS_ORIGINS`, exact
   * `scheme://host[:port]`). Default: none in production (same origin only); in development the PWA dev
   * server (`http://127.0.0.1:<VELOZ_PWA_PORT>` and `http://localhost:<VELOZ_PWA_PORT>`, port 5173 by
   * default).
   */
  corsOrigins: string[];
  /**
   * Per-token rate limit of this process (token bucket; HTTP `/graphql` requests and graphql-ws
   * `subscribe` messages count). `perSecond` 0 disables it (`VELOZ_API_RATE_LIMIT`, default 100);
   * `burst` is the bucket size (`VELOZ_API_RATE_BURST`, default twice the rate).
   */
  rateLimit: { perSecond: number; burst: number };
}

/**
 * Where the API serves the PWA from. `VELOZ_API_STATIC` (`on`|`off`) defaults to on in production (and
 * whenever `VELOZ_API_STATIC_DIR` is set), off in development (Vite serves the app there).
 * `VELOZ_API_STATIC_DIR` defaults to the PWA's build (`@veloz/pwa`'s `pwaDistDir`). Asked for
 * explicitly (either variable set) the directory must hold an `index.html`; by default a missing
 * build just leaves static serving off.
 */
export function resolveStaticDir(
  env: 'development' | 'production',
  mode: 'on' | 'off' | undefined,
  dirVar: string | undefined,
): string | undefined {
  if (mode === 'off') return undefined;
  if (mode === undefined && dirVar === undefined && env !== 'production') return undefined;
  const dir = dirVar === undefined ? pwaDistDir : resolve(dirVar);
  if (existsSync(join(dir, 'index.html'))) return dir;
  if (dirVar !== undefined)
    throw new ApiConfigError('VELOZ_API_STATIC_DIR', `no index.html in ${dir} (build the PWA there first)`);
  if (mode === 'on')
    throw new ApiConfigError(
      'VELOZ_API_STATIC',
      `on, but the PWA is not built at ${dir} (npm run build -w @veloz/pwa, or set VELOZ_API_STATIC_DIR)`,
    );
  return undefined;
}

/**
 * Parse `VELOZ_API_TOKENS`: comma-separated `name:role:token` entries, role `viewer` or `operator`. A
 * token may be given as `sha256=<64 hex>` so that the plain token never appears in the environment.
 * Tokens must be at least 16 characters.
 */
export function parseTokens(raw: string): TokenEntry[] {
  const out: TokenEntry[] = [];
  const names = new Set<string>();
  for (const [i, part] of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .entries()) {
    const first = part.indexOf(':');
    const second = first < 0 ? -1 : part.indexOf(':', first + 1);
    if (first <= 0 || second < 0)
      throw new ApiConfigError('VELOZ_API_TOKENS', `entry ${i + 1} must be name:role:token`);
    const name = part.slice(0, first);
    const role = part.slice(first + 1, second);
    const token = part.slice(second + 1);
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
      throw new ApiConfigError(
        'VELOZ_API_TOKENS',
        `entry ${i + 1}: name must be 1-64 characters of [A-Za-z0-9._-]`,
      );
    if (names.has(name))
      throw new ApiConfigError('VELOZ_API_TOKENS', `entry ${i + 1}: name ${name} appears twice`);
    names.add(name);
    if (!(ROLES as readonly string[]).includes(role))
      throw new ApiConfigError(
        'VELOZ_API_TOKENS',
        `entry ${i + 1} (${name}): role must be viewer or operator`,
      );
    let hash: string;
    const pre = /^sha256=([0-9a-fA-F]{64})$/.exec(token);
    if (pre) hash = pre[1]!.toLowerCase();
    else if (token.length < 16 || /\s/.test(token))
      throw new ApiConfigError(
        'VELOZ_API_TOKENS',
        `entry ${i + 1} (${name}): token must be at least 16 characters without spaces`,
      );
    else hash = sha256Hex(token);
    out.push({ name, role: role as Role, sha256: hash });
  }
  return out;
}

/**
 * Read and validate the API's environment once. Throws ApiConfigError naming the first bad variable,
 * including unknown `VELOZ_API_*` variables. In production at least one token is required (unless
 * `requireTokens` is false: `--dry-run` reports the problem as a warning instead).
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { requireTokens?: boolean } = {},
): ApiConfig {
  for (const key of Object.keys(env)) {
    if (key.startsWith('VELOZ_API_') && !(API_ENV_VARS as readonly string[]).includes(key))
      throw new ApiConfigError(key, `unknown variable (known: ${API_ENV_VARS.join(', ')})`);
  }
  const picked: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ApiConfigError(variable, issue.message);
  }
  const e = parsed.data;
  const tokens = parseTokens(e.VELOZ_API_TOKENS);
  if ((options.requireTokens ?? true) && e.VELOZ_ENV === 'production' && tokens.length === 0)
    throw new ApiConfigError('VELOZ_API_TOKENS', 'at least one token is required in production');
  return {
    redisUrl: e.REDIS_URL,
    account: e.VELOZ_ACCOUNT,
    env: e.VELOZ_ENV,
    port: e.VELOZ_API_PORT,
    host: e.VELOZ_API_HOST,
    tokens,
    commandTimeoutMs: e.VELOZ_API_COMMAND_TIMEOUT_MS,
    bodyLimitBytes: e.VELOZ_API_BODY_LIMIT_BYTES,
    limits: {
      maxDepth: e.VELOZ_API_MAX_DEPTH,
      maxAliases: e.VELOZ_API_MAX_ALIASES,
      maxTokens: e.VELOZ_API_MAX_TOKENS,
      maxCost: e.VELOZ_API_MAX_COST,
    },
    eventLogSize: e.VELOZ_API_EVENT_LOG_SIZE,
    logLevel: e.VELOZ_API_LOG_LEVEL,
    staticDir: resolveStaticDir(e.VELOZ_ENV, e.VELOZ_API_STATIC, e.VELOZ_API_STATIC_DIR),
    workers: e.VELOZ_API_WORKERS,
    corsOrigins:
      e.VELOZ_API_CORS_ORIGINS !== undefined
        ? parseCorsOrigins(e.VELOZ_API_CORS_ORIGINS)
        : e.VELOZ_ENV === 'development'
          ? devCorsOrigins(env.VELOZ_PWA_PORT)
          : [],
    rateLimit: {
      perSecond: e.VELOZ_API_RATE_LIMIT,
      burst: e.VELOZ_API_RATE_BURST ?? Math.max(1, 2 * e.VELOZ_API_RATE_LIMIT),
    },
  };
}

/** The configuration as safe to print: no token hashes, Redis password masked. */
export function describeConfig(config: ApiConfig): Record<string, unknown> {
  return {
    env: config.env,
    account: config.account,
    redisUrl: config.redisUrl.replace(/\/\/([^@/]*)@/, '//***@'),
    apiBase: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`,
    tokens: config.tokens.map((t) => `${t.name}:${t.role}`),
    commandTimeoutMs: config.commandTimeoutMs,
    bodyLimitBytes: config.bodyLimitBytes,
    limits: config.limits,
    eventLogSize: config.eventLogSize,
    staticDir: config.staticDir ?? 'off',
    workers: config.workers,
    corsOrigins: config.corsOrigins,
    rateLimit:
      config.rateLimit.perSecond === 0
        ? 'off'
        : `${config.rateLimit.perSecond}/s per token, burst ${config.rateLimit.burst}`,
  };
}
