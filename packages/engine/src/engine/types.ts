import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import type { EngineEvent, VenueTick } from '../bus/event-bus';
import type { Order, OrderEvent } from '../domain/order';
import type { Clock } from '../plugins/context';
import type { StoragePlugin, WalEntryInput } from '../plugins/storage';
import type { ConnectionStatus, VenuePlugin } from '../plugins/venue';
import type { RiskCode, RiskLimitsInput } from '../risk/risk';
import type { RecoveryReport } from '../wal/recovery';

/**
 * Lifecycle of an engine. STOPPED before `start` and after `stop`; FENCED when another writer took
 * the account's lease (the engine refuses everything until stopped).
 */
export type EngineState =
  'STARTING' | 'RECOVERING' | 'RESOLVING' | 'READY' | 'FENCED' | 'STOPPING' | 'STOPPED';

export const engineConfigSchema = z.object({
  /** Trading account this engine is the single writer of. */
  account: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/, {
    error: 'account must be 1-32 characters of [A-Za-z0-9._:/-]',
  }),
  /** Lease owner id (default host:pid:random). */
  owner: z.string().min(1).max(200).optional(),
  /** A venue call that has not answered after this many ms leaves the order PENDING_NEW (default 10 000). */
  submitTimeoutMs: z.number().int().positive().default(10_000),
  /** Venue queries (instruments, order status, fills) give up after this many ms (default 10 000). */
  venueCallTimeoutMs: z.number().int().positive().default(10_000),
  /** WAL entries per read during recovery. */
  recoveryBatchSize: z.number().int().positive().optional(),
  /** Non-order WAL entry types this engine writes or tolerates (recovery counts them, not as corrupt). */
  knownEntryTypes: z.array(z.string().min(1)).default([]),
  /** Order events journaled per WAL append at most (engine-side group commit). */
  maxBatch: z.number().int().positive().default(256),
  /** Ack latency samples kept for `stats()`. */
  latencySamples: z.number().int().positive().default(1024),
  /** Background snapshot once this many WAL sequences were applied since the last (default 10 000; 0: never). */
  snapshotEveryEntries: z.number().int().nonnegative().default(10_000),
  /** ...or once this many ms passed with anything new (default 60 000; 0: never). */
  snapshotEveryMs: z.number().int().nonnegative().default(60_000),
});

export type EngineConfig = z.input<typeof engineConfigSchema>;
export type ResolvedEngineConfig = z.output<typeof engineConfigSchema>;

export interface EngineDeps {
  storage: StoragePlugin;
  venues: VenuePlugin[];
  clock?: Clock;
  /** Parent logger (default: silent). */
  logger?: Logger;
  /** Pre-trade limits (defaults: see riskLimitsSchema). */
  risk?: RiskLimitsInput;
}

/** Why an order was not placed or canceled. Risk codes come from `RiskCode`. */
export type EngineErrorCode =
  | 'ENGINE_NOT_READY'
  | 'FENCED'
  | 'ORDER_INVALID'
  | 'UNKNOWN_VENUE'
  | 'STORAGE_UNAVAILABLE'
  | 'VENUE_REJECTED'
  | 'VENUE_UNAVAILABLE'
  | 'ORDER_NOT_FOUND'
  | 'ORDER_NOT_OPEN'
  | 'CANCEL_REJECTED'
  | RiskCode;

/**
 * When `placeOrder` answers. VENUE (default): once the venue's answer is journaled (NEW, FILLED, REJECTED)
 * or after `submitTimeoutMs` without one (PENDING_NEW). JOURNALED: as soon as ORDER_SUBMITTED is in the
 * WAL (PENDING_NEW), or with the journaled rejection; the venue is asked right after and its answer is
 * journaled as usual (a venue rejection then only shows in the WAL, not in the answer).
 */
export type PlaceOrderAck = 'JOURNALED' | 'VENUE';

export interface PlaceOrderOptions {
  /** Default VENUE. */
  ack?: PlaceOrderAck;
}

/**
 * The answer to `placeOrder`. `ok: true` with the order as journaled: NEW when the venue acked, FILLED
 * when it filled at once, PENDING_NEW when the venue's answer is unknown (resolved later) or not waited
 * for (`ack: 'JOURNALED'`).
 * `ok: false` carries the order when the rejection was journaled.
 */
export type PlaceOrderResult =
  | { ok: true; order: Order }
  | { ok: false; code: EngineErrorCode; reason: string; field?: string; order?: Order };

export type CancelOrderResult =
  { ok: true; order: Order } | { ok: false; code: EngineErrorCode; reason: string; order?: Order };

export interface EngineStatus {
  state: EngineState;
  account: string;
  venues: Record<string, ConnectionStatus>;
  wal: { lastSeq: number };
  recovery: RecoveryReport | undefined;
  openOrders: number;
  /** Epoch ms when READY was first reached; undefined before. */
  startedAt: number | undefined;
}

/** Counters since start, for metrics. */
export interface EngineStats {
  /** Orders journaled as submitted. */
  submitted: number;
  /** Orders the venue acknowledged. */
  accepted: number;
  /** Rejections by code (risk codes, VENUE_REJECTED, UNKNOWN_VENUE, ORDER_INVALID, ...). */
  rejected: Record<string, number>;
  /** Orders that became FILLED. */
  filled: number;
  /** Orders that became CANCELED. */
  canceled: number;
  /** Execution reports for orders the engine does not know (left for reconciliation). */
  unknownReports: number;
  /** Reports repeating what the book already holds (duplicate fills, acks). */
  duplicateReports: number;
  /** Events refused by the state machine or the book (illegal transition, overfill). */
  stateViolations: number;
  /** WAL appends that failed (storage down, fenced). */
  journalFailures: number;
  /** Submissions whose outcome was unknown (network error, timeout): left PENDING_NEW. */
  outcomeUnknown: number;
  /** PENDING_NEW orders resolved against the venue (at start or after a reconnect). */
  pendingResolved: number;
  /** Journal-submit to venue-ack latency of recent orders, ms, oldest first. */
  ackLatencyMs: number[];
}

/** One engine per account: the single writer of its WAL. */
export interface Engine {
  /**
   * Start storage, take the lease, recover, start venues, resolve orders left PENDING_NEW, then READY.
   * Rejects (and tears down) when any step fails. Idempotent: returns the same promise.
   */
  start(): Promise<void>;
  /** Stop everything the engine started, in reverse order, releasing the lease. Idempotent. */
  stop(): Promise<void>;
  /** Validate, check risk, journal, send. Never rejects: failures are results. */
  placeOrder(input: unknown, options?: PlaceOrderOptions): Promise<PlaceOrderResult>;
  /**
   * Resolves once the venue's answer to this order's submission is journaled, or its outcome became
   * unknown (`submitTimeoutMs`); at once when no submission of the order is in flight in this engine.
   * Never rejects.
   */
  venueAnswer(clientOrderId: string): Promise<void>;
  /** Journal a cancel request and send it (after the order's submission, if in flight). Never rejects. */
  cancelOrder(clientOrderId: string): Promise<CancelOrderResult>;
  /** Journaled and applied order events, in WAL order. Completes on stop. */
  readonly events$: Observable<EngineEvent>;
  /** Prices from every venue. Completes on stop. */
  readonly marketData$: Observable<VenueTick>;
  /** Current state on subscribe, then every change. Completes on stop. */
  readonly state$: Observable<EngineState>;
  state(): EngineState;
  status(): EngineStatus;
  stats(): EngineStats;
  getOrder(clientOrderId: string): Order | undefined;
  orders(): Order[];
  /** A configured venue by id. */
  venue(id: string): VenuePlugin | undefined;
  /**
   * Journal and apply an order event built elsewhere (reconciliation corrections). Resolves undefined
   * when it changes nothing (a duplicate fill); rejects when the book refuses it or the WAL append fails.
   */
  applyEvent(event: OrderEvent): Promise<EngineEvent | undefined>;
  /** Journal non-order entries (their types should be in `knownEntryTypes`). Resolves with their seqs. */
  appendEntries(entries: WalEntryInput[]): Promise<number[]>;
  /** Ask the venues about orders still PENDING_NEW (all venues, or one) and journal their outcome. */
  resolvePending(venue?: string): Promise<{ resolved: number; unresolved: number }>;
}
