import { isDecimal, isPositive } from '@veloz/engine';
import { z } from 'zod';
import { isMultipleOf } from './decimal-steps';
import type { SimInstrument } from './matching-engine';

const decimalString = z
  .string()
  .refine((s) => isDecimal(s) && isPositive(s), 'must be a positive decimal string');

const instrumentSchema = z
  .object({
    symbol: z.string().regex(/^[A-Za-z0-9._/-]{1,32}$/, 'symbol: 1-32 chars of [A-Za-z0-9._/-]'),
    tickSize: decimalString,
    quantityStep: decimalString,
    minQuantity: decimalString,
    minNotional: decimalString.optional(),
    initialPrice: decimalString,
    liquidity: decimalString.optional(),
  })
  .refine((i) => isMultipleOf(i.initialPrice, i.tickSize), 'initialPrice must be a multiple of tickSize');

const latencySchema = z.number().int().min(0).max(60_000);

/** Everything the simulated exchange can be told, with defaults applied. */
export const simExchangeConfigSchema = z.object({
  /** Interface to listen on. */
  host: z.string().min(1).default('127.0.0.1'),
  /** HTTP + WebSocket port; 0 picks a free one. */
  port: z.number().int().min(0).max(65_535).default(7070),
  /** Separate admin-only port (0 picks one). Absent: admin is only served under /admin on `port`. */
  adminPort: z.number().int().min(0).max(65_535).optional(),
  /** Symbols with built-in rules (see DEFAULT_INSTRUMENTS); ignored when `instruments` is given. */
  symbols: z.array(z.string().min(1)).min(1).default(['BTC-USD', 'ETH-USD']),
  /** Full instrument definitions; override `symbols`. */
  instruments: z.array(instrumentSchema).min(1).optional(),
  /** Fraction of a resting order's remaining quantity filled per crossing tick, (0, 1]. */
  fillFraction: decimalString.refine((s) => Number(s) <= 1, 'must be <= 1').default('1'),
  /** Buying power in quote units (open notional limit); absent: unlimited. */
  balance: decimalString.optional(),
  /** Seed of the price random walk. */
  seed: z.number().int().default(1),
  /** Largest relative price move per tick. */
  volatility: z.number().min(0).max(0.5).default(0.0005),
  /** Period of automatic price ticks in ms; 0 disables them (prices move only through /admin/price). */
  tickIntervalMs: z.number().int().min(0).max(3_600_000).default(1000),
  /** Prices to replay per symbol instead of the random walk. */
  replay: z.record(z.string(), z.array(decimalString).min(1)).optional(),
  /** Fixed delay added to every HTTP answer and pushed WebSocket message, ms. */
  latencyMs: latencySchema.default(0),
  /** Uniform random extra delay in [0, jitterMs], ms. */
  jitterMs: latencySchema.default(0),
  /** WebSocket ping period, ms. */
  heartbeatMs: z.number().int().min(50).max(600_000).default(5000),
  /** Execution reports kept for WebSocket resume (`/ws?since=seq`). */
  journalSize: z.number().int().min(0).max(10_000_000).default(100_000),
});

export type SimExchangeConfigInput = z.input<typeof simExchangeConfigSchema>;
export type SimExchangeConfig = z.output<typeof simExchangeConfigSchema>;

/** Built-in rules for common symbols; any other symbol gets GENERIC_INSTRUMENT's. */
export const DEFAULT_INSTRUMENTS: Record<string, Omit<SimInstrument, 'symbol'>> = {
  'BTC-USD': { tickSize: '0.5', quantityStep: '0.0001', minQuantity: '0.0001', initialPrice: '30000' },
  'ETH-USD': { tickSize: '0.01', quantityStep: '0.001', minQuantity: '0.001', initialPrice: '2000' },
  'SOL-USD': { tickSize: '0.001', quantityStep: '0.01', minQuantity: '0.01', initialPrice: '150' },
};
const GENERIC_INSTRUMENT: Omit<SimInstrument, 'symbol'> = {
  tickSize: '0.01',
  quantityStep: '0.001',
  minQuantity: '0.001',
  initialPrice: '100',
};

/** The instruments a config describes. */
export function instrumentsOf(config: SimExchangeConfig): SimInstrument[] {
  if (config.instruments) return config.instruments as SimInstrument[];
  return config.symbols.map((symbol) => ({ symbol, ...(DEFAULT_INSTRUMENTS[symbol] ?? GENERIC_INSTRUMENT) }));
}

/** A configuration problem, naming the setting (and env var / flag) that is wrong. */
export class SimConfigError extends Error {
  readonly code = 'SIM_CONFIG_INVALID';
}

/** Validate and apply defaults. Throws SimConfigError naming the first bad setting. */
export function parseSimExchangeConfig(
  input: SimExchangeConfigInput,
  names: Record<string, string> = {},
): SimExchangeConfig {
  const parsed = simExchangeConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const where = names[key] ? `${names[key]} (${key})` : issue.path.join('.') || 'config';
  throw new SimConfigError(`invalid simulated exchange config: ${where}: ${issue.message}`);
}

/** Environment variable and command-line flag of each setting. */
const SOURCES: Record<
  string,
  { env: string; flag: string; kind: 'int' | 'float' | 'string' | 'list' | 'json' }
> = {
  host: { env: 'VELOZ_SIM_HOST', flag: '--host', kind: 'string' },
  port: { env: 'VELOZ_SIM_PORT', flag: '--port', kind: 'int' },
  adminPort: { env: 'VELOZ_SIM_ADMIN_PORT', flag: '--admin-port', kind: 'int' },
  symbols: { env: 'VELOZ_SIM_SYMBOLS', flag: '--symbols', kind: 'list' },
  instruments: { env: 'VELOZ_SIM_INSTRUMENTS', flag: '--instruments', kind: 'json' },
  fillFraction: { env: 'VELOZ_SIM_FILL_FRACTION', flag: '--fill-fraction', kind: 'string' },
  balance: { env: 'VELOZ_SIM_BALANCE', flag: '--balance', kind: 'string' },
  seed: { env: 'VELOZ_SIM_SEED', flag: '--seed', kind: 'int' },
  volatility: { env: 'VELOZ_SIM_VOLATILITY', flag: '--volatility', kind: 'float' },
  tickIntervalMs: { env: 'VELOZ_SIM_TICK_MS', flag: '--tick-ms', kind: 'int' },
  replay: { env: 'VELOZ_SIM_REPLAY', flag: '--replay', kind: 'json' },
  latencyMs: { env: 'VELOZ_SIM_LATENCY_MS', flag: '--latency-ms', kind: 'int' },
  jitterMs: { env: 'VELOZ_SIM_JITTER_MS', flag: '--jitter-ms', kind: 'int' },
  heartbeatMs: { env: 'VELOZ_SIM_HEARTBEAT_MS', flag: '--heartbeat-ms', kind: 'int' },
  journalSize: { env: 'VELOZ_SIM_JOURNAL_SIZE', flag: '--journal-size', kind: 'int' },
};

/** Usage text of the `sim-exchange` command. */
export function simExchangeUsage(): string {
  const lines = Object.entries(SOURCES).map(
    ([key, s]) => `  ${s.flag.padEnd(16)} ${s.env.padEnd(24)} ${key}`,
  );
  return [
    'Usage: sim-exchange [flags]   (flags override environment variables)',
    '',
    ...lines,
    '  --help',
  ].join('\n');
}

/**
 * Read the exchange config from environment variables and `--flag value` / `--flag=value` arguments (flags
 * win). The only place that reads the environment. Throws SimConfigError naming the bad variable or flag.
 */
export function simExchangeConfigFromEnv(env: NodeJS.ProcessEnv, argv: string[]): SimExchangeConfig {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new SimConfigError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    else {
      const value = argv[i + 1];
      if (value === undefined) throw new SimConfigError(`flag ${arg} needs a value`);
      flags.set(arg, value);
      i++;
    }
  }
  const known = new Set(Object.values(SOURCES).map((s) => s.flag));
  for (const flag of flags.keys()) if (!known.has(flag)) throw new SimConfigError(`unknown flag ${flag}`);

  const input: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [key, source] of Object.entries(SOURCES)) {
    const fromFlag = flags.get(source.flag);
    const raw = fromFlag ?? env[source.env];
    if (raw === undefined || raw === '') continue;
    const name = fromFlag !== undefined ? source.flag : source.env;
    names[key] = name;
    input[key] = convert(raw, source.kind, name);
  }
  return parseSimExchangeConfig(input as SimExchangeConfigInput, names);
}

function convert(raw: string, kind: 'int' | 'float' | 'string' | 'list' | 'json', name: string): unknown {
  switch (kind) {
    case 'string':
      return raw;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'int':
    case 'float': {
      const n = Number(raw);
      if (!Number.isFinite(n))
        throw new SimConfigError(`invalid simulated exchange config: ${name}: not a number: ${raw}`);
      return n;
    }
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        throw new SimConfigError(`invalid simulated exchange config: ${name}: not valid JSON`);
      }
  }
}
