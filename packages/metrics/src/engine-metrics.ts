import { monitorEventLoopDelay } from 'node:perf_hooks';
import type {
  ConnectionState,
  Engine,
  EngineState,
  SnapshotInfo,
  StoragePlugin,
  WalCorruptionReason,
  WalEntryInput,
} from '@veloz/engine';
import { Registry } from 'prom-client';
import { Subscription, type Observable } from 'rxjs';
import { ENGINE_DEFAULT_PREFIX, ENGINE_METRICS } from './catalog';
import { instrumentStorage } from './instrument-storage';
import { createCounterSync, registerCatalog, registerDefaultMetrics } from './registry';
import { createSlidingWindow } from './sliding-window';

/** What the engine metrics read from an engine (a subset of `Engine`). */
export type EngineSource = Pick<Engine, 'status' | 'stats' | 'state'>;

/** The parts of a reconciliation report the metrics count (`ReconciliationReport` fits). */
export interface ReconciliationRunLike {
  status: 'completed' | 'failed';
  durationMs: number;
  /** Findings by kind (ORPHANED, MISSING, STATUS_MISMATCH, FILL_MISMATCH). */
  counts: Record<string, number>;
}

export interface EngineMetricsOptions {
  /** The engine; or call `attach` later (the storage is instrumented before the engine exists). */
  engine?: EngineSource;
  /** Registry to register into (default: a new one). */
  registry?: Registry;
  /** Also export prom-client's default process metrics as `veloz_engine_*` (default true). */
  defaultMetrics?: boolean;
  /** Wall clock, epoch ms (uptime, snapshot age; default Date.now). */
  now?: () => number;
  /** Window of the event-loop lag figures, ms (default 5 000). */
  lagWindowMs?: number;
  /** Sliding window of the p50/p99 latency figures of `figures()`, ms (default 60 000). */
  latencyWindowMs?: number;
}

/** The engine's figures at one instant: what KPI snapshots are made of. Latencies in ms. */
export interface EngineFigures {
  /** Epoch ms. */
  at: number;
  engineUp: boolean;
  engineState: EngineState | 'DETACHED';
  uptimeSeconds: number;
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  venues: { venue: string; state: ConnectionState; connected: boolean; reconnectCount: number }[];
  orders: {
    submitted: number;
    accepted: number;
    rejected: number;
    rejectedByReason: { reason: string; count: number }[];
    filled: number;
    canceled: number;
    open: number;
  };
  ackLatency: { p50Ms: number | null; p99Ms: number | null; samples: number; windowMs: number };
  wal: {
    lastSeq: number;
    appendedEntries: number;
    appendedBytes: number;
    appendFailures: number;
    appendP50Ms: number | null;
    appendP99Ms: number | null;
  };
  replay: { durationMs: number | null; appliedEntries: number; skippedEntries: number };
  snapshotAgeSeconds: number | null;
  reconciliation: {
    runs: number;
    failedRuns: number;
    lastDurationMs: number | null;
    findings: { kind: string; count: number }[];
  };
  commandQueueDepth: number;
}

/** The engine process's Prometheus registry, fed by the engine, its storage and reconciliation. */
export interface EngineMetrics {
  readonly registry: Registry;
  /** Read `engine`'s status and stats from now on (replacing an engine attached before). */
  attach(engine: EngineSource): void;
  /**
   * Wrap the storage plugin given to `createEngine` so WAL append latency, entries, bytes and
   * snapshots are measured.
   */
  instrumentStorage<T extends StoragePlugin>(storage: T): T;
  /** Count one finished reconciliation run. */
  recordReconciliation(report: ReconciliationRunLike): void;
  /** Count every report of `reports$` (e.g. `reconciliation.reports$`) until `stop`. */
  trackReconciliation(reports$: Observable<ReconciliationRunLike>): void;
  /** Current depth of the command stream (the consumer sets it, e.g. from XLEN/XPENDING). */
  setCommandQueueDepth(depth: number): void;
  /** Prometheus text exposition of the registry. */
  metrics(): Promise<string>;
  /** Content type of `metrics()`. */
  readonly contentType: string;
  /** The figures now, for KPI samples (also refreshes the registry's gauges and counters). */
  figures(): EngineFigures;
  /** Stop timers and subscriptions. Idempotent. */
  stop(): void;
}

const ENGINE_STATES: readonly EngineState[] = [
  'STARTING',
  'RECOVERING',
  'RESOLVING',
  'READY',
  'FENCED',
  'STOPPING',
  'STOPPED',
];
const CONNECTION_STATES: readonly ConnectionState[] = [
  'DISCONNECTED',
  'CONNECTING',
  'CONNECTED',
  'RECONNECTING',
];
const CORRUPTION_REASONS: readonly WalCorruptionReason[] = [
  'CHECKSUM',
  'UNDECODABLE',
  'UNKNOWN_TYPE',
  'UNKNOWN_VERSION',
  'GAP',
  'MISSING_FIELD',
  'REFUSED',
];
const FINDING_KINDS = ['ORPHANED', 'MISSING', 'STATUS_MISMATCH', 'FILL_MISMATCH'] as const;
/** Orders awaiting their ack that are tracked at most (PENDING_NEW forever must not leak). */
const MAX_PENDING_ACKS = 100_000;

/**
 * Create the engine's metrics. Order counters, venue states, reconnects, replay and open orders are
 * read from `engine.stats()` / `engine.status()` when scraped, so the order path pays nothing for
 * them. WAL figures and the order ack latency are measured by `instrumentStorage`: the latency runs
 * from the append of an order's ORDER_SUBMITTED entry resolving to the append of its ORDER_ACCEPTED
 * entry resolving — the moments the engine publishes those events — at one Map entry per order in
 * flight, without a subscriber on the engine's event stream (its dispatch cost more than the rest).
 */
export function createEngineMetrics(options: EngineMetricsOptions = {}): EngineMetrics {
  const registry = options.registry ?? new Registry();
  const now = options.now ?? Date.now;
  const lagWindowMs = options.lagWindowMs ?? 5000;
  const latencyWindowMs = options.latencyWindowMs ?? 60_000;
  const sync = createCounterSync();
  const m = registerCatalog(registry, ENGINE_METRICS, () => refresh());
  if (options.defaultMetrics ?? true) registerDefaultMetrics(registry, ENGINE_DEFAULT_PREFIX);

  let engine: EngineSource | undefined;
  const subs = new Subscription();
  const pendingAcks = new Map<string, number>();
  const ackWindow = createSlidingWindow({ windowMs: latencyWindowMs });
  const walWindow = createSlidingWindow({ windowMs: latencyWindowMs });
  const wal = { entries: 0, failures: 0 };
  /**
   * Bytes the instrumented storage wrote (`wal.appendedBytes`, its own count; 0 for a storage that
   * keeps no bytes, like the in-memory one). The last figure read stands while the storage cannot say
   * (the Redis plugin has no WAL before `start`).
   */
  let bytesSource: (() => number | undefined) | undefined;
  let lastBytes = 0;
  const walBytes = (): number => {
    try {
      const b = bytesSource?.();
      if (typeof b === 'number' && Number.isFinite(b)) lastBytes = b;
    } catch {
      // no WAL yet
    }
    return lastBytes;
  };
  const recon = {
    runs: 0,
    failed: 0,
    lastDurationMs: null as number | null,
    findings: new Map<string, number>(),
  };
  let lastSnapshot: SnapshotInfo | undefined;
  let commandQueueDepth = 0;
  let stopped = false;

  for (const s of ['completed', 'failed']) m.reconRuns.inc({ status: s }, 0);
  for (const k of FINDING_KINDS) {
    m.reconFindings.inc({ kind: k }, 0);
    recon.findings.set(k, 0);
  }
  m.snapshotAge.set(NaN);

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const lastLag = { p99: 0, max: 0, complete: false };
  const lagTimer = setInterval(() => {
    lastLag.p99 = lag.percentile(99) / 1e6;
    lastLag.max = lag.max / 1e6;
    lastLag.complete = true;
    lag.reset();
  }, lagWindowMs);
  lagTimer.unref();
  const lagMs = () =>
    lastLag.complete
      ? { p99: lastLag.p99, max: lastLag.max }
      : { p99: lag.count ? lag.percentile(99) / 1e6 : 0, max: lag.count ? lag.max / 1e6 : 0 };

  /** Ack latency from the journaled entries of one append batch (resolved at `t`). */
  const trackAcks = (entries: readonly WalEntryInput[], t: number) => {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const type = e.type;
      if (type === 'ORDER_SUBMITTED') {
        if (pendingAcks.size >= MAX_PENDING_ACKS) pendingAcks.delete(pendingAcks.keys().next().value!);
        pendingAcks.set((e.payload as { clientOrderId: string }).clientOrderId, t);
      } else if (type === 'ORDER_ACCEPTED') {
        const id = (e.payload as { clientOrderId: string }).clientOrderId;
        const t0 = pendingAcks.get(id);
        if (t0 === undefined) continue;
        pendingAcks.delete(id);
        m.ackLatency.observe((t - t0) / 1000);
        ackWindow.add(t - t0, t);
      } else if (
        type === 'ORDER_REJECTED' ||
        type === 'ORDER_CANCELED' ||
        type === 'ORDER_EXPIRED' ||
        type === 'ORDER_FILLED'
      )
        pendingAcks.delete((e.payload as { clientOrderId: string }).clientOrderId);
    }
  };

  /** Copy the engine's status and stats into the registry; returns what it read. */
  const refresh = () => {
    const e = engine;
    const state = e?.state();
    const ready = state === 'READY';
    m.engineUp.set(ready ? 1 : 0);
    for (const s of ENGINE_STATES) m.engineState.set({ state: s }, s === state ? 1 : 0);
    const l = lagMs();
    m.eventLoopLagP99.set(l.p99 / 1000);
    m.eventLoopLagMax.set(l.max / 1000);
    m.commandQueueDepth.set(commandQueueDepth);
    m.snapshotAge.set(lastSnapshot ? Math.max(0, (now() - lastSnapshot.takenAt) / 1000) : NaN);
    sync(m.walEntries, wal.entries);
    sync(m.walBytes, walBytes());
    if (!e) return undefined;
    const status = e.status();
    const stats = e.stats();
    m.uptime.set(status.startedAt !== undefined ? Math.max(0, (now() - status.startedAt) / 1000) : 0);
    for (const [venue, c] of Object.entries(status.venues)) {
      sync(m.reconnects, c.reconnectCount, { venue });
      m.venueConnected.set({ venue }, c.state === 'CONNECTED' ? 1 : 0);
      for (const s of CONNECTION_STATES) m.venueState.set({ venue, state: s }, s === c.state ? 1 : 0);
    }
    m.walLastSeq.set(status.wal.lastSeq);
    m.openOrders.set(status.openOrders);
    const r = status.recovery;
    if (r) {
      m.replayDuration.set(r.durationMs / 1000);
      m.replayApplied.set(r.entriesApplied);
      for (const reason of CORRUPTION_REASONS)
        m.replaySkipped.set({ reason }, r.corruptionCounts[reason] ?? 0);
    }
    sync(m.ordersSubmitted, stats.submitted);
    sync(m.ordersAccepted, stats.accepted);
    sync(m.ordersFilled, stats.filled);
    sync(m.ordersCanceled, stats.canceled);
    for (const [reason, n] of Object.entries(stats.rejected)) sync(m.ordersRejected, n, { reason });
    return { status, stats, state: state! };
  };

  const api: EngineMetrics = {
    registry,
    contentType: registry.contentType,
    attach(e) {
      engine = e;
    },
    instrumentStorage(storage) {
      bytesSource = () => storage.wal.appendedBytes;
      return instrumentStorage(storage, {
        walAppended(seconds, entries, t) {
          m.walAppendDuration.observe(seconds);
          // The counters are brought up to these at scrape time (`refresh`): a prom-client `inc` per
          // append costs more than the rest of this hook.
          wal.entries += entries.length;
          walWindow.add(seconds * 1000, t);
          if (!stopped) trackAcks(entries, t);
        },
        walAppendFailed(seconds) {
          m.walAppendDuration.observe(seconds);
          m.walAppendFailures.inc();
          wal.failures++;
        },
        snapshotSeen(info) {
          if (!lastSnapshot || info.takenAt >= lastSnapshot.takenAt) lastSnapshot = info;
        },
      });
    },
    recordReconciliation(report) {
      const status = report.status === 'failed' ? 'failed' : 'completed';
      m.reconRuns.inc({ status });
      m.reconDuration.observe(report.durationMs / 1000);
      recon.runs++;
      if (status === 'failed') recon.failed++;
      recon.lastDurationMs = report.durationMs;
      for (const [kind, n] of Object.entries(report.counts)) {
        if (n <= 0) continue;
        m.reconFindings.inc({ kind }, n);
        recon.findings.set(kind, (recon.findings.get(kind) ?? 0) + n);
      }
    },
    trackReconciliation(reports$) {
      if (stopped) return;
      subs.add(reports$.subscribe((r) => api.recordReconciliation(r)));
    },
    setCommandQueueDepth(depth) {
      commandQueueDepth = Math.max(0, depth);
    },
    metrics: () => registry.metrics(),
    figures() {
      const read = refresh();
      const t = performance.now();
      const [ackP50, ackP99] = ackWindow.quantiles([0.5, 0.99], t);
      const [walP50, walP99] = walWindow.quantiles([0.5, 0.99], t);
      const l = lagMs();
      const stats = read?.stats;
      const status = read?.status;
      const rejectedByReason = Object.entries(stats?.rejected ?? {})
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => a.reason.localeCompare(b.reason));
      const r = status?.recovery;
      return {
        at: now(),
        engineUp: read?.state === 'READY',
        engineState: read?.state ?? 'DETACHED',
        uptimeSeconds: status?.startedAt !== undefined ? Math.max(0, (now() - status.startedAt) / 1000) : 0,
        eventLoopLagP99Ms: l.p99,
        eventLoopLagMaxMs: l.max,
        venues: Object.entries(status?.venues ?? {}).map(([venue, c]) => ({
          venue,
          state: c.state,
          connected: c.state === 'CONNECTED',
          reconnectCount: c.reconnectCount,
        })),
        orders: {
          submitted: stats?.submitted ?? 0,
          accepted: stats?.accepted ?? 0,
          rejected: rejectedByReason.reduce((n, x) => n + x.count, 0),
          rejectedByReason,
          filled: stats?.filled ?? 0,
          canceled: stats?.canceled ?? 0,
          open: status?.openOrders ?? 0,
        },
        ackLatency: {
          p50Ms: ackP50 ?? null,
          p99Ms: ackP99 ?? null,
          samples: ackWindow.count(t),
          windowMs: latencyWindowMs,
        },
        wal: {
          lastSeq: status?.wal.lastSeq ?? 0,
          appendedEntries: wal.entries,
          appendedBytes: walBytes(),
          appendFailures: wal.failures,
          appendP50Ms: walP50 ?? null,
          appendP99Ms: walP99 ?? null,
        },
        replay: {
          durationMs: r ? r.durationMs : null,
          appliedEntries: r?.entriesApplied ?? 0,
          skippedEntries: r?.entriesSkipped ?? 0,
        },
        snapshotAgeSeconds: lastSnapshot ? Math.max(0, (now() - lastSnapshot.takenAt) / 1000) : null,
        reconciliation: {
          runs: recon.runs,
          failedRuns: recon.failed,
          lastDurationMs: recon.lastDurationMs,
          findings: [...recon.findings].map(([kind, count]) => ({ kind, count })),
        },
        commandQueueDepth,
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      subs.unsubscribe();
      clearInterval(lagTimer);
      lag.disable();
    },
  };
  if (options.engine) api.attach(options.engine);
  return api;
}
