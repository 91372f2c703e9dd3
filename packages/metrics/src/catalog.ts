/**
 * Every metric VeloZ defines, once: the registries are built from these definitions and
 * docs/operations.md's metric table is generated from them (a test keeps the two equal).
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  /** Full name with the `veloz_` prefix; counters end in `_total`, units are base units in the name. */
  name: string;
  type: MetricType;
  /** One sentence for `# HELP`. */
  help: string;
  /** Unit shown in the docs: seconds, bytes, entries, orders, 1 (a ratio or a state flag), ... */
  unit: string;
  labels: readonly string[];
  /** Histogram upper bounds, in the metric's unit. */
  buckets?: readonly number[];
}

/** Latencies from 100 µs to 10 s. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;
/** Durations of whole jobs (reconciliation runs), 10 ms to 2 min. */
export const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

const def = <T extends MetricType>(
  name: string,
  type: T,
  unit: string,
  help: string,
  labels: readonly string[] = [],
  buckets?: readonly number[],
): MetricDef & { type: T } => ({ name, type, unit, help, labels, ...(buckets ? { buckets } : {}) });

/** Metrics of the engine process (`createEngineMetrics`). */
export const ENGINE_METRICS = {
  engineUp: def(
    'veloz_engine_up',
    'gauge',
    '1',
    'Whether the engine is up and READY to accept orders (1) or not (0). The API reports 0 when the engine heartbeat is missing.',
  ),
  engineState: def(
    'veloz_engine_state',
    'gauge',
    '1',
    'Engine lifecycle state: 1 for the current state, 0 for the others.',
    ['state'],
  ),
  uptime: def(
    'veloz_engine_uptime_seconds',
    'gauge',
    'seconds',
    'Time since the engine first became READY (0 before).',
  ),
  eventLoopLagP99: def(
    'veloz_event_loop_lag_p99_seconds',
    'gauge',
    'seconds',
    '99th percentile of the event-loop delay over the last lag window (5 s by default).',
  ),
  eventLoopLagMax: def(
    'veloz_event_loop_lag_max_seconds',
    'gauge',
    'seconds',
    'Longest event-loop delay over the last lag window.',
  ),
  reconnects: def(
    'veloz_reconnect_count_total',
    'counter',
    'reconnects',
    'Times the venue connection was lost and re-established (a first connect is not counted).',
    ['venue'],
  ),
  venueConnected: def(
    'veloz_venue_connected',
    'gauge',
    '1',
    'Whether the venue connection is CONNECTED (1) or not (0).',
    ['venue'],
  ),
  venueState: def(
    'veloz_venue_connection_state',
    'gauge',
    '1',
    'Venue connection state: 1 for the current state (DISCONNECTED, CONNECTING, CONNECTED, RECONNECTING), 0 for the others.',
    ['venue', 'state'],
  ),
  walAppendDuration: def(
    'veloz_wal_append_duration_seconds',
    'histogram',
    'seconds',
    'Latency of one WAL append call (a group-committed batch), from call to durable acknowledgement.',
    [],
    LATENCY_BUCKETS,
  ),
  walEntries: def(
    'veloz_wal_appended_entries_total',
    'counter',
    'entries',
    'WAL entries appended by this process.',
  ),
  walBytes: def(
    'veloz_wal_appended_bytes_total',
    'counter',
    'bytes',
    'Bytes of the WAL records this process appended, as the storage plugin counts them (its own encoding: header and payload; 0 for a storage that keeps no bytes).',
  ),
  walAppendFailures: def(
    'veloz_wal_append_failures_total',
    'counter',
    'appends',
    'WAL append calls that failed (storage unavailable, fenced).',
  ),
  walLastSeq: def('veloz_wal_last_seq', 'gauge', 'sequence', 'Highest WAL sequence applied by the engine.'),
  replayDuration: def(
    'veloz_replay_duration_seconds',
    'gauge',
    'seconds',
    'Wall time of the last recovery (snapshot load and WAL replay).',
  ),
  replayApplied: def(
    'veloz_replay_applied_entries',
    'gauge',
    'entries',
    'Order events applied by the last recovery.',
  ),
  replaySkipped: def(
    'veloz_replay_skipped_entries',
    'gauge',
    'entries',
    'WAL entries the last recovery skipped as corrupt or unreadable, by reason (CHECKSUM, UNDECODABLE, GAP, ...).',
    ['reason'],
  ),
  snapshotAge: def(
    'veloz_snapshot_age_seconds',
    'gauge',
    'seconds',
    'Age of the newest OrderStore snapshot (NaN when there is none).',
  ),
  reconRuns: def(
    'veloz_reconciliation_runs_total',
    'counter',
    'runs',
    'Reconciliation runs finished, by status (completed, failed).',
    ['status'],
  ),
  reconDuration: def(
    'veloz_reconciliation_duration_seconds',
    'histogram',
    'seconds',
    'Duration of one reconciliation run.',
    [],
    JOB_BUCKETS,
  ),
  reconFindings: def(
    'veloz_reconciliation_findings_total',
    'counter',
    'findings',
    'Reconciliation findings, by kind (ORPHANED, MISSING, STATUS_MISMATCH, FILL_MISMATCH).',
    ['kind'],
  ),
  ordersSubmitted: def('veloz_orders_submitted_total', 'counter', 'orders', 'Orders journaled as submitted.'),
  ordersAccepted: def('veloz_orders_accepted_total', 'counter', 'orders', 'Orders the venue acknowledged.'),
  ordersRejected: def(
    'veloz_orders_rejected_total',
    'counter',
    'orders',
    'Orders rejected, by reason (risk codes, VENUE_REJECTED, UNKNOWN_VENUE, ORDER_INVALID, ...).',
    ['reason'],
  ),
  ordersFilled: def('veloz_orders_filled_total', 'counter', 'orders', 'Orders that became FILLED.'),
  ordersCanceled: def('veloz_orders_canceled_total', 'counter', 'orders', 'Orders that became CANCELED.'),
  ackLatency: def(
    'veloz_order_ack_latency_seconds',
    'histogram',
    'seconds',
    'Order acknowledgement latency: from the submission being journaled to the venue acknowledgement being journaled.',
    [],
    LATENCY_BUCKETS,
  ),
  openOrders: def(
    'veloz_open_orders',
    'gauge',
    'orders',
    'Orders open in the OMS (PENDING_NEW, NEW, PARTIALLY_FILLED, PENDING_CANCEL).',
  ),
  commandQueueDepth: def(
    'veloz_command_queue_depth',
    'gauge',
    'commands',
    'Commands on the Redis command stream the engine has not answered yet: not yet delivered plus delivered and unacknowledged (0 when the process has no command consumer).',
  ),
} as const satisfies Record<string, MetricDef>;

/** Metrics of an API replica (`createApiMetrics`). */
export const API_METRICS = {
  httpRequests: def(
    'veloz_http_requests_total',
    'counter',
    'requests',
    'HTTP requests answered, by method, route and status code.',
    ['method', 'route', 'status'],
  ),
  httpDuration: def(
    'veloz_http_request_duration_seconds',
    'histogram',
    'seconds',
    'HTTP request latency, by method, route and status code.',
    ['method', 'route', 'status'],
    LATENCY_BUCKETS,
  ),
  wsConnections: def('veloz_graphql_ws_connections', 'gauge', 'connections', 'Open graphql-ws connections.'),
  subscriptions: def(
    'veloz_graphql_subscriptions',
    'gauge',
    'subscriptions',
    'Active GraphQL subscriptions, by root field.',
    ['field'],
  ),
} as const satisfies Record<string, MetricDef>;

/** Prefix of prom-client's default process metrics in the engine (`veloz_engine_process_cpu_seconds_total`, ...). */
export const ENGINE_DEFAULT_PREFIX = 'veloz_engine_';
/** Prefix of prom-client's default process metrics in an API replica. */
export const API_DEFAULT_PREFIX = 'veloz_api_';

/** Every VeloZ-defined metric, engine first. */
export const ALL_METRICS: readonly MetricDef[] = [
  ...Object.values(ENGINE_METRICS),
  ...Object.values(API_METRICS),
];
