import { backoffConfigSchema, VelozError, type BackoffConfig } from '@veloz/engine';
import { z } from 'zod';

/** Config of the sim venue plugin. */
export const simVenueConfigSchema = z.object({
  /** Venue id used in OrderRequest.venue; the plugin is named "venue:<id>". */
  venue: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, 'venue: 1-32 chars of [a-z0-9_-]')
    .default('sim'),
  /** Base URL of the simulated exchange's trading port, e.g. http://127.0.0.1:7070. */
  url: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:7070'),
  /** Give up an HTTP call after this many ms (the outcome is then unknown: VenueError NETWORK). */
  requestTimeoutMs: z.number().int().min(1).max(600_000).default(5000),
  /** Give up one WebSocket connect attempt after this many ms. */
  connectTimeoutMs: z.number().int().min(1).max(600_000).default(5000),
  /** Treat the WebSocket as lost when the server sent no ping for this long, ms. */
  heartbeatTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
  /** How long `start` waits for the first connection before resolving anyway (it keeps trying), ms. */
  startWaitMs: z.number().int().min(0).max(600_000).default(5000),
  /** Reconnect backoff. */
  backoff: backoffConfigSchema.default({ initialMs: 100, maxMs: 5000, multiplier: 2, jitter: 'full' }),
});

export type SimVenueConfigInput = z.input<typeof simVenueConfigSchema>;
export type SimVenueConfig = z.output<typeof simVenueConfigSchema> & { backoff: BackoffConfig };

/** Validate and apply defaults; throws VelozError CONFIG_INVALID naming the bad field. */
export function parseSimVenueConfig(input: SimVenueConfigInput): SimVenueConfig {
  const parsed = simVenueConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new VelozError(
    'CONFIG_INVALID',
    `venue:sim config ${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
}
