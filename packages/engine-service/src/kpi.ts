import {
  HEARTBEAT_TTL_MS,
  KPI_MAXLEN,
  keys,
  type ConnectionState,
  type EngineState,
  type EngineStats,
  type EngineStatus,
} from '@veloz/engine';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CommandCounters } from './command-consumer';
import { errorMessage } from './errors';

/**
 * One KPI sample, published every second as JSON in field `kpi` of `keys.kpis(account)`. Counters are
 * totals since the engine process started (consumers take differences between samples).
 */
export interface KpiSample {
  account: string;
  /** Epoch ms when the sample was taken. */
  at: number;
  state: EngineState;
  /** Order counters of the engine (EngineStats without the latency samples). */
  orders: Omit<EngineStats, 'ackLatencyMs'>;
  openOrders: number;
  venues: Record<string, { state: ConnectionState; reconnectCount: number }>;
  wal: { lastSeq: number };
  /**
   * Journal-submit to venue-ack latency over the engine's window of recent orders (the last
   * `latencySamples`, default 1024), ms; null without samples.
   */
  ackLatencyMs: { p50: number | null; p99: number | null; samples: number };
  commands: CommandCounters;
}

/** Nearest-rank percentile of `values` (unsorted), `p` in 0..100; null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Build a sample from the engine's status and stats (pure). */
export function buildKpiSample(
  status: EngineStatus,
  stats: EngineStats,
  commands: CommandCounters,
  now: number,
): KpiSample {
  const { ackLatencyMs, ...orders } = stats;
  const venues: KpiSample['venues'] = {};
  for (const [id, v] of Object.entries(status.venues))
    venues[id] = { state: v.state, reconnectCount: v.reconnectCount };
  const round = (n: number | null) => (n === null ? null : Math.round(n * 1000) / 1000);
  return {
    account: status.account,
    at: now,
    state: status.state,
    orders: { ...orders, rejected: { ...orders.rejected } },
    openOrders: status.openOrders,
    venues,
    wal: { lastSeq: status.wal.lastSeq },
    ackLatencyMs: {
      p50: round(percentile(ackLatencyMs, 50)),
      p99: round(percentile(ackLatencyMs, 99)),
      samples: ackLatencyMs.length,
    },
    commands: { ...commands },
  };
}

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * The sample in Prometheus text format (what `keys.metrics(account)` holds): every name starts with
 * `veloz_engine_` except `veloz_reconnect_count_total`, the public contract name.
 */
export function renderMetrics(s: KpiSample): string {
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, rows: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) out.push(`${name}${labels} ${value}`);
  };
  const acct = `account="${label(s.account)}"`;
  family(
    'veloz_reconnect_count_total',
    'counter',
    'Venue connections lost and re-established since the engine started.',
    Object.entries(s.venues).map(([v, st]) => [`{${acct},venue="${label(v)}"}`, st.reconnectCount]),
  );
  family(
    'veloz_engine_venue_connected',
    'gauge',
    'Whether the venue connection is up (1) or not (0).',
    Object.entries(s.venues).map(([v, st]) => [
      `{${acct},venue="${label(v)}"}`,
      st.state === 'CONNECTED' ? 1 : 0,
    ]),
  );
  family('veloz_engine_ready', 'gauge', 'Whether the engine is READY (1) or not (0).', [
    [`{${acct}}`, s.state === 'READY' ? 1 : 0],
  ]);
  const counters: [string, string, number][] = [
    ['veloz_engine_orders_submitted_total', 'Orders journaled as submitted.', s.orders.submitted],
    ['veloz_engine_orders_accepted_total', 'Orders the venue acknowledged.', s.orders.accepted],
    ['veloz_engine_orders_filled_total', 'Orders that became FILLED.', s.orders.filled],
    ['veloz_engine_orders_canceled_total', 'Orders that became CANCELED.', s.orders.canceled],
    ['veloz_engine_journal_failures_total', 'WAL appends that failed.', s.orders.journalFailures],
    ['veloz_engine_commands_processed_total', 'Commands answered.', s.commands.processed],
  ];
  for (const [name, help, v] of counters) family(name, 'counter', help, [[`{${acct}}`, v]]);
  family(
    'veloz_engine_orders_rejected_total',
    'counter',
    'Orders rejected, by code.',
    Object.entries(s.orders.rejected).map(([code, n]) => [`{${acct},code="${label(code)}"}`, n]),
  );
  family('veloz_engine_open_orders', 'gauge', 'Open orders.', [[`{${acct}}`, s.openOrders]]);
  family('veloz_engine_wal_last_seq', 'gauge', 'Highest WAL sequence applied.', [
    [`{${acct}}`, s.wal.lastSeq],
  ]);
  const q: [string, number][] = [];
  if (s.ackLatencyMs.p50 !== null) q.push([`{${acct},quantile="0.5"}`, s.ackLatencyMs.p50 / 1000]);
  if (s.ackLatencyMs.p99 !== null) q.push([`{${acct},quantile="0.99"}`, s.ackLatencyMs.p99 / 1000]);
  family(
    'veloz_engine_order_ack_latency_seconds',
    'gauge',
    'Journal-submit to venue-ack latency over recent orders, by quantile.',
    q,
  );
  return `${out.join('\n')}\n`;
}

/** Lifetime of the metrics text in Redis (ms): gone soon after the engine stops publishing. */
export const METRICS_TTL_MS = 15_000;

export interface KpiPublisherOptions {
  redis: Redis;
  account: string;
  sample: () => KpiSample;
  logger: Logger;
  /**
   * The engine's Prometheus text (`@veloz/metrics` registry) stored with each sample; default: the
   * text rendered from the sample itself.
   */
  metricsText?: (sample: KpiSample) => Promise<string> | string;
  /** Called before each sample (e.g. to refresh the command queue depth gauge). */
  beforeSample?: () => Promise<void>;
  /** Default 1000 ms. */
  intervalMs?: number;
}

/** Publishes a KPI sample (and the metrics text) every interval. */
export interface KpiPublisher {
  start(): void;
  /** Idempotent; never rejects. */
  stop(): Promise<void>;
  errors(): number;
}

export function createKpiPublisher(opts: KpiPublisherOptions): KpiPublisher {
  const stream = keys.kpis(opts.account);
  const metricsKey = keys.metrics(opts.account);
  const intervalMs = opts.intervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let inFlight: Promise<void> | undefined;
  let errors = 0;

  const publish = async () => {
    try {
      await opts.beforeSample?.();
      const sample = opts.sample();
      const text = opts.metricsText ? await opts.metricsText(sample) : renderMetrics(sample);
      await opts.redis
        .multi()
        .xadd(stream, 'MAXLEN', '~', KPI_MAXLEN, '*', 'kpi', JSON.stringify(sample))
        .set(metricsKey, text, 'PX', Math.max(METRICS_TTL_MS, HEARTBEAT_TTL_MS, intervalMs * 5))
        .exec();
    } catch (err) {
      errors++;
      opts.logger.warn({ err: errorMessage(err) }, 'KPI sample not published');
    }
  };

  return {
    start() {
      if (timer || stopped) return;
      timer = setInterval(() => {
        if (inFlight) return;
        inFlight = publish().finally(() => (inFlight = undefined));
      }, intervalMs);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
    errors: () => errors,
  };
}
