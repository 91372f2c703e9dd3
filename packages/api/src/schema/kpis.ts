import { Repeater } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import {
  KPI_HISTORY_WINDOWS,
  MIN_KPI_INTERVAL_MS,
  kpiHistory,
  kpiTicks,
  type KpiSnapshot,
} from '@veloz/metrics';
import type { ApiServices } from '../context';
import { historyWindowMs, kpiView } from '../services/kpis';
import { builder } from './builder';

type Snapshot = KpiSnapshot;
type Venue = Snapshot['venues'][number];
type Orders = Snapshot['orders'];
type ReasonCount = Orders['rejectedByReason'][number];
type Latency = Snapshot['ackLatency'];
type Wal = Snapshot['wal'];
type Replay = Snapshot['replay'];
type Reconciliation = Snapshot['reconciliation'];
type KindCount = Reconciliation['findings'][number];

/** Slowest `kpis(intervalMs)` period accepted, ms. */
export const MAX_KPI_INTERVAL_MS = 60_000;
/** Most points `kpiHistory` returns. */
export const MAX_KPI_HISTORY_POINTS = 600;

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

const KpiVenueRef = builder.objectRef<Venue>('KpiVenue').implement({
  description: 'A venue connection in a KPI snapshot (state UNKNOWN while the engine is down).',
  fields: (t) => ({
    venue: t.exposeString('venue'),
    state: t.exposeString('state', {
      description: 'DISCONNECTED, CONNECTING, CONNECTED, RECONNECTING; UNKNOWN while the engine is down.',
    }),
    connected: t.exposeBoolean('connected'),
    reconnectCount: t.exposeInt('reconnectCount', {
      description:
        'Connections lost and re-established since the engine started (veloz_reconnect_count_total).',
    }),
  }),
});

const KpiReasonCountRef = builder.objectRef<ReasonCount>('KpiReasonCount').implement({
  fields: (t) => ({ reason: t.exposeString('reason'), count: t.exposeInt('count') }),
});

const KpiOrdersRef = builder.objectRef<Orders>('KpiOrders').implement({
  description: 'Order counters since the engine started (veloz_orders_*), and open orders now.',
  fields: (t) => ({
    submitted: t.exposeInt('submitted'),
    accepted: t.exposeInt('accepted'),
    rejected: t.exposeInt('rejected'),
    rejectedByReason: t.expose('rejectedByReason', { type: [KpiReasonCountRef] }),
    filled: t.exposeInt('filled'),
    canceled: t.exposeInt('canceled'),
    open: t.exposeInt('open'),
  }),
});

const KpiLatencyRef = builder.objectRef<Latency>('KpiLatency').implement({
  description: 'Order acknowledgement latency (journal-submit to venue ack) over the sliding window.',
  fields: (t) => ({
    p50Ms: t.exposeFloat('p50Ms', {
      nullable: true,
      description: 'Median, ms; null without acks in the window.',
    }),
    p99Ms: t.exposeFloat('p99Ms', { nullable: true, description: '99th percentile, ms (nearest rank).' }),
    samples: t.exposeInt('samples', { description: 'Acks in the window.' }),
    windowMs: t.exposeFloat('windowMs', { description: 'Length of the sliding window, ms.' }),
  }),
});

const KpiWalRef = builder.objectRef<Wal>('KpiWal').implement({
  description: 'The WAL as the engine writes it. Counts are Float: they may pass 2^31.',
  fields: (t) => ({
    lastSeq: t.exposeFloat('lastSeq'),
    appendedEntries: t.exposeFloat('appendedEntries'),
    appendedBytes: t.exposeFloat('appendedBytes'),
    appendFailures: t.exposeInt('appendFailures'),
    appendP50Ms: t.exposeFloat('appendP50Ms', {
      nullable: true,
      description: 'Over the sliding window, ms.',
    }),
    appendP99Ms: t.exposeFloat('appendP99Ms', {
      nullable: true,
      description: 'Over the sliding window, ms.',
    }),
  }),
});

const KpiReplayRef = builder.objectRef<Replay>('KpiReplay').implement({
  description: "The engine's start-up recovery (snapshot + WAL replay).",
  fields: (t) => ({
    durationMs: t.exposeFloat('durationMs', { nullable: true }),
    appliedEntries: t.exposeFloat('appliedEntries'),
    skippedEntries: t.exposeInt('skippedEntries', { description: 'Entries skipped as corrupt.' }),
  }),
});

const KpiKindCountRef = builder.objectRef<KindCount>('KpiKindCount').implement({
  fields: (t) => ({ kind: t.exposeString('kind'), count: t.exposeInt('count') }),
});

const KpiReconciliationRef = builder.objectRef<Reconciliation>('KpiReconciliation').implement({
  description: 'Reconciliation runs since the engine started.',
  fields: (t) => ({
    runs: t.exposeInt('runs'),
    failedRuns: t.exposeInt('failedRuns'),
    lastDurationMs: t.exposeFloat('lastDurationMs', { nullable: true }),
    findings: t.expose('findings', {
      type: [KpiKindCountRef],
      description: 'Findings by kind: ORPHANED, MISSING, STATUS_MISMATCH, FILL_MISMATCH.',
    }),
  }),
});

export const KpiSnapshotRef = builder.objectRef<Snapshot>('KpiSnapshot').implement({
  description:
    "The engine's stability KPIs at one instant (sampled once a second). While the engine heartbeat is missing: `engineUp` false, `engineState` DOWN, venues UNKNOWN, counters as last known.",
  fields: (t) => ({
    version: t.int({ description: 'Schema version of the sample (1).', resolve: (k) => k.v }),
    account: t.exposeString('account'),
    at: t.exposeFloat('at', {
      description: 'Epoch ms of the sample (of the answer while the engine is down).',
    }),
    engineUp: t.exposeBoolean('engineUp', {
      description: 'The engine heartbeat is fresh (veloz_engine_up).',
    }),
    engineState: t.exposeString('engineState', {
      description:
        'STARTING, RECOVERING, RESOLVING, READY, FENCED, STOPPING, STOPPED; DOWN without heartbeat.',
    }),
    uptimeSeconds: t.exposeFloat('uptimeSeconds'),
    eventLoopLagP99Ms: t.exposeFloat('eventLoopLagP99Ms'),
    eventLoopLagMaxMs: t.exposeFloat('eventLoopLagMaxMs'),
    venues: t.expose('venues', { type: [KpiVenueRef] }),
    reconnectCount: t.exposeInt('reconnectCount', { description: "Sum of the venues' reconnect counts." }),
    orders: t.expose('orders', { type: KpiOrdersRef }),
    ackLatency: t.expose('ackLatency', { type: KpiLatencyRef }),
    wal: t.expose('wal', { type: KpiWalRef }),
    replay: t.expose('replay', { type: KpiReplayRef }),
    snapshotAgeSeconds: t.exposeFloat('snapshotAgeSeconds', {
      nullable: true,
      description: 'Age of the newest OrderStore snapshot; null when there is none.',
    }),
    reconciliation: t.expose('reconciliation', { type: KpiReconciliationRef }),
    commandQueueDepth: t.exposeInt('commandQueueDepth', {
      description: 'Commands on the stream the engine has not answered yet.',
    }),
  }),
});

/** The last snapshot each replica read, served (engine down) when Redis cannot be read. */
const lastKnown = new WeakMap<ApiServices, KpiSnapshot>();

async function currentKpi(services: ApiServices): Promise<KpiSnapshot> {
  let latest: KpiSnapshot | undefined;
  try {
    latest = await services.kpis.latest();
    if (latest) lastKnown.set(services, latest);
  } catch {
    // Redis unreachable: the heartbeat monitor sees no engine either; serve the last known figures.
    latest = lastKnown.get(services);
  }
  return kpiView(services.config.account, latest, services.heartbeat.view(), Date.now());
}

builder.queryFields((t) => ({
  kpis: t.field({
    type: KpiSnapshotRef,
    description: 'The newest KPI snapshot (engine down: `engineUp` false, last known counters).',
    resolve: (_r, _a, ctx) => currentKpi(ctx.services),
  }),
  kpiHistory: t.field({
    type: [KpiSnapshotRef],
    description: `KPI snapshots of the last \`window\` (${Object.keys(KPI_HISTORY_WINDOWS).join(', ')}), oldest first, downsampled to at most \`points\` (1-${MAX_KPI_HISTORY_POINTS}): each point is the last sample of its time bucket with the bucket's worst p99 latencies and lag. Minutes the engine was down have no points.`,
    args: {
      window: t.arg.string({ required: false, defaultValue: '5m' }),
      points: t.arg.int({ required: false, defaultValue: 60 }),
    },
    resolve: async (_r, args, ctx) => {
      // An explicit null means the default, as an omitted argument does.
      const points = args.points ?? 60;
      let ms: number;
      try {
        ms = historyWindowMs(args.window ?? '5m');
      } catch (err) {
        throw badInput((err as Error).message);
      }
      if (points < 1 || points > MAX_KPI_HISTORY_POINTS)
        throw badInput(`points must be between 1 and ${MAX_KPI_HISTORY_POINTS}`);
      const now = Date.now();
      const samples = await ctx.services.kpis.since(ms, now);
      return kpiHistory(samples, { window: ms, now, points });
    },
  }),
}));

builder.subscriptionFields((t) => ({
  kpis: t.field({
    type: KpiSnapshotRef,
    description: `The KPI snapshot now, then every \`intervalMs\` (${MIN_KPI_INTERVAL_MS}-${MAX_KPI_INTERVAL_MS}, default 1000) on a fixed schedule, whether or not the engine published a new sample (engine down: \`engineUp\` false).`,
    args: { intervalMs: t.arg.int({ required: false, defaultValue: 1000 }) },
    subscribe: (_r, args, ctx) => {
      const intervalMs = args.intervalMs ?? 1000;
      if (intervalMs < MIN_KPI_INTERVAL_MS || intervalMs > MAX_KPI_INTERVAL_MS)
        throw badInput(`intervalMs must be between ${MIN_KPI_INTERVAL_MS} and ${MAX_KPI_INTERVAL_MS}`);
      return new Repeater<KpiSnapshot>(async (push, stop) => {
        // The Repeater ends at once on unsubscribe; the abort ends the tick's wait with it.
        const abort = new AbortController();
        void stop.then(() => abort.abort());
        for await (const k of kpiTicks(() => currentKpi(ctx.services), { intervalMs, signal: abort.signal }))
          await push(k);
        stop();
      });
    },
    resolve: (k) => k,
  }),
}));
