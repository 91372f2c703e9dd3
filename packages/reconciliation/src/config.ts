import type { RedisOptions } from 'ioredis';
import { z } from 'zod';
import { ReconciliationError } from './errors';
import { DEFAULT_POLICY, type ReconciliationPolicy } from './types';

const policySchema = z
  .object({
    ORPHANED: z.enum(['report', 'adopt', 'cancel']),
    MISSING: z.enum(['report', 'resolve']),
    STATUS_MISMATCH: z.enum(['report', 'apply']),
    FILL_MISMATCH: z.enum(['report', 'apply']),
  })
  .partial()
  .strict();

const schema = z
  .object({
    /** Redis URL or ioredis options. Default: `REDIS_URL` or redis://127.0.0.1:6379. */
    connection: z.union([z.string().url(), z.record(z.string(), z.unknown())]).optional(),
    /** Trading account (same charset as client order ids). */
    account: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'account must be 1-64 chars of [A-Za-z0-9_-]'),
    /** Period of the scheduled run, ms (default 30 000). */
    intervalMs: z.number().int().min(100).default(30_000),
    /** Register the periodic job scheduler at start (default true). */
    schedule: z.boolean().default(true),
    /** Run once at start, and resolve `start()` only when it finished (default true). */
    startupRun: z.boolean().default(true),
    /** Enqueue a run for a venue each time it reconnects (default true). */
    runOnReconnect: z.boolean().default(true),
    policy: policySchema.default({}),
    /** See ReconcileOptions.graceMs (default 2 000; startup runs use 0). */
    graceMs: z.number().int().min(0).default(2_000),
    /** Attempts per job, the first included (default 3); retried on venue errors only. */
    attempts: z.number().int().min(1).max(20).default(3),
    /** First retry delay, ms, doubled each retry (default 1 000). */
    backoffMs: z.number().int().min(1).default(1_000),
    /** Completed / failed jobs kept in BullMQ (default 100 / 500). */
    keepCompleted: z.number().int().min(0).default(100),
    keepFailed: z.number().int().min(0).default(500),
    /** Reports kept in Redis (default 200). */
    historyLimit: z.number().int().min(1).default(200),
    /** Halt new orders on a venue after this many consecutive runs with unresolved findings; 0 = never (default 3). */
    haltAfterRuns: z.number().int().min(0).default(3),
    /** Run-lock lease, ms, renewed while the run lasts (default 30 000). */
    lockTtlMs: z.number().int().min(100).default(30_000),
    /** How long a job waits for another worker's run of the same account, ms (default 30 000). */
    lockWaitMs: z.number().int().min(0).default(30_000),
    /** Parallel order-status queries per venue (default 16). */
    lookupConcurrency: z.number().int().min(1).max(256).default(16),
    /** How far back to fetch an orphan's fills, ms (default 24 h). */
    fillLookbackMs: z.number().int().min(0).default(86_400_000),
    /** How long `runNow` waits for its job, ms (default 120 000). */
    runTimeoutMs: z.number().int().min(1).default(120_000),
  })
  .strict();

export type ReconciliationConfigInput = z.input<typeof schema>;

/** Validated configuration, defaults applied. */
export type ReconciliationConfig = Omit<z.output<typeof schema>, 'policy' | 'connection'> & {
  connection: string | RedisOptions;
  policy: ReconciliationPolicy;
};

/** Validate and default the configuration; a bad value throws CONFIG_INVALID naming the field. */
export function parseConfig(
  input: ReconciliationConfigInput,
  env: NodeJS.ProcessEnv = process.env,
): ReconciliationConfig {
  const out = schema.safeParse(input);
  if (!out.success) {
    const issue = out.error.issues[0]!;
    throw new ReconciliationError(
      'CONFIG_INVALID',
      `invalid reconciliation config: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const connection = out.data.connection ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (typeof connection === 'string' && !/^rediss?:\/\//.test(connection))
    throw new ReconciliationError(
      'CONFIG_INVALID',
      `invalid REDIS_URL: ${connection} (want redis://host:port)`,
    );
  return {
    ...out.data,
    connection: connection as string | RedisOptions,
    policy: { ...DEFAULT_POLICY, ...out.data.policy },
  };
}
