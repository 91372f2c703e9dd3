import { z } from 'zod';
import { StorageConfigError } from './errors';

/**
 * What a Redis crash can lose, by mode (see docs/wal.md):
 * - `ack`: callers are answered when Redis executed the append. A Redis crash loses whatever the
 *   server had not persisted yet (everything, with persistence off; up to a second with `everysec`).
 * - `fsync`: start checks that the server runs `appendonly yes` + `appendfsync always` and refuses to
 *   start otherwise; Redis fsyncs the AOF before replying, so a crash loses nothing acknowledged.
 * - `replicas`: after each batch `WAIT replicas replicaTimeoutMs`; callers get a DurabilityError when
 *   fewer replicas confirmed (the entry is written on the primary). A primary crash with failover to a
 *   confirmed replica loses nothing acknowledged.
 */
export const DURABILITY_MODES = ['ack', 'fsync', 'replicas'] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

export const redisStorageConfigSchema = z.object({
  /** Redis URL (default env REDIS_URL, else redis://127.0.0.1:6379). */
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
  /** Account served; default: the account of the plugin context at start. */
  account: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 chars of [A-Za-z0-9_.-]')
    .optional(),
  /** Key prefix (default "veloz"): keys are `<prefix>:{<account>}:…`. */
  keyPrefix: z.string().min(1).default('veloz'),
  durability: z.enum(DURABILITY_MODES).default('ack'),
  /** `replicas` mode: replicas that must confirm each batch (default 1). */
  replicas: z.number().int().min(1).default(1),
  /** `replicas` mode: how long to wait for them, ms (default 1000). */
  replicaTimeoutMs: z.number().int().min(1).default(1000),
  /** Lease time-to-live, ms (default 10,000); renewed every third of it. */
  leaseTtlMs: z.number().int().min(100).default(10_000),
  /** How long acquireLease waits for a held lease to be released or expire, ms (default 0: fail at once). */
  leaseWaitMs: z.number().int().min(0).default(0),
  /** Most entries per Lua append call (default 256). A single larger append call is sent whole. */
  maxBatch: z.number().int().min(1).max(10_000).default(256),
  /** Lua append calls in flight at once, pipelined on the connection (default 8). */
  maxInFlight: z.number().int().min(1).max(64).default(8),
  /** Snapshots kept (default 3). */
  snapshotKeep: z.number().int().min(1).default(3),
  /** XRANGE requests kept in flight while reading (default 3). */
  readAhead: z.number().int().min(1).max(16).default(3),
  /**
   * Entries per XRANGE while reading (default 2,000; a caller's smaller batchSize wins). Small windows
   * keep the young generation small: with 10,000-entry windows the garbage collector copied the
   * prefetched replies on every scavenge and replay took twice as long.
   */
  readWindow: z.number().int().min(1).max(100_000).default(2000),
  /**
   * Reads of at least this many entries (replay after a crash) run their XRANGEs and checksums in a
   * reader thread (default 250,000; 0: every read). The main thread then only decodes payloads, in
   * parallel with the next windows' reading. Smaller reads stay on the main thread: starting the thread
   * costs a few tens of ms. The thread connects with its own plain-TCP client (resp-reader.mjs), so with a
   * rediss:// (TLS) URL every read stays on the main thread.
   */
  readThreadMinEntries: z.number().int().min(0).default(250_000),
});

export type RedisStorageConfig = z.input<typeof redisStorageConfigSchema>;
export type ResolvedRedisStorageConfig = z.output<typeof redisStorageConfigSchema>;

/** Validate the config once, applying defaults; the error names the bad field. */
export function resolveConfig(
  config: Partial<RedisStorageConfig>,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedRedisStorageConfig {
  const parsed = redisStorageConfigSchema.safeParse({
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...config,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || 'config';
    const name = field === 'redisUrl' && config.redisUrl === undefined ? 'REDIS_URL' : field;
    throw new StorageConfigError(`storage:redis: invalid ${name}: ${issue.message}`);
  }
  return parsed.data;
}
