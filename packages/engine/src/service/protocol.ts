import { z } from 'zod';
import type { ConnectionStatus } from '../plugins/venue';
import type { EngineState } from '../engine/types';

/**
 * The Redis protocol between the engine process and API replicas. Every key is hash-tagged by account
 * (`veloz:{account}:…`) so one account's keys share a Redis Cluster slot.
 */
export const keys = {
  /** The WAL stream (written by the storage plugin). */
  wal: (account: string) => `veloz:{${account}}:wal`,
  /** Commands from API replicas to the engine (stream, consumer group `engine`). */
  commands: (account: string) => `veloz:{${account}}:commands`,
  /** One result per command, written by the engine after the outcome is journaled (capped stream). */
  commandResults: (account: string) => `veloz:{${account}}:command-results`,
  /** Engine heartbeat: JSON `EngineHeartbeat`, written every `HEARTBEAT_INTERVAL_MS` with `HEARTBEAT_TTL_MS`. */
  heartbeat: (account: string) => `veloz:{${account}}:heartbeat`,
  /** KPI samples, one a second (capped stream, field `kpi` = JSON). */
  kpis: (account: string) => `veloz:{${account}}:kpis`,
  /** Engine metrics in Prometheus text format, refreshed with each KPI sample (string, with TTL). */
  metrics: (account: string) => `veloz:{${account}}:metrics`,
} as const;

/** Consumer group of the engine on the command stream. */
export const COMMAND_GROUP = 'engine';
export const HEARTBEAT_INTERVAL_MS = 1000;
/** `engine.connected` is true exactly while the heartbeat key exists. */
export const HEARTBEAT_TTL_MS = 3000;
/** Command results kept (approximate MAXLEN). */
export const COMMAND_RESULTS_MAXLEN = 10_000;
/** KPI samples kept (approximate MAXLEN): one hour at one a second. */
export const KPI_MAXLEN = 3600;

const commandBase = {
  /** Unique per command (UUID); a retried command keeps its id. */
  commandId: z.string().min(1).max(64),
  /** Epoch ms when the API issued it. */
  issuedAt: z.number().int().nonnegative(),
  /** Who asked (token name), for the audit trail. */
  issuedBy: z.string().max(64).optional(),
};

/**
 * A command on the stream, field `command` = JSON. The engine validates the order itself again; the
 * API validates first only to answer bad input without a round trip. Placing an order whose client
 * order id exists already is answered with that order (idempotent retries), never a second order.
 */
export const commandSchema = z.discriminatedUnion('type', [
  z.object({
    ...commandBase,
    type: z.literal('PLACE_ORDER'),
    order: z.unknown(),
    /**
     * When the engine answers (Engine.placeOrder's `ack`); absent: VENUE. JOURNALED: once ORDER_SUBMITTED
     * is journaled; that WAL entry is then the answer and no result is published for it (a rejection,
     * or an order that existed already, is answered with a result as usual).
     */
    ack: z.enum(['JOURNALED', 'VENUE']).optional(),
  }),
  z.object({ ...commandBase, type: z.literal('CANCEL_ORDER'), clientOrderId: z.string().min(1).max(64) }),
  z.object({ ...commandBase, type: z.literal('RUN_RECONCILIATION'), venue: z.string().max(32).optional() }),
]);
export type Command = z.infer<typeof commandSchema>;

/**
 * The engine's answer to a command, field `result` = JSON on the command-results stream. `seq` is the
 * WAL sequence of the outcome when it was journaled: a replica answers only once its projection has
 * applied `seq` (read-your-writes).
 */
export interface CommandResult {
  commandId: string;
  ok: boolean;
  /** Engine error code when `ok` is false (EngineErrorCode, or COMMAND_INVALID). */
  code?: string;
  reason?: string;
  field?: string;
  clientOrderId?: string;
  seq?: number;
  /** Epoch ms when the engine finished the command. */
  at: number;
}

/** What the engine publishes about itself every second. */
export interface EngineHeartbeat {
  account: string;
  state: EngineState;
  /** Lease owner id and epoch of this engine. */
  owner: string;
  epoch: number;
  pid: number;
  /** Epoch ms. */
  startedAt: number | undefined;
  publishedAt: number;
  venues: Record<string, ConnectionStatus>;
  wal: { lastSeq: number };
  recovery:
    | {
        durationMs: number;
        entriesApplied: number;
        entriesSkipped: number;
        snapshotSeq: number | null;
        lastSeq: number;
      }
    | undefined;
  openOrders: number;
}
