import { createMemo, For, Show } from 'solid-js';
import { createQuery, createSubscription } from '@urql/solid';
import { useApp } from '../../app-context';
import { createCachedData, snapshot } from '../../lib/cached';
import { addKpiPoint, flowSeries, toKpiPoint, type KpiPoint } from '../../lib/kpis';
import { estimateNextRun } from '../../lib/next-run';
import {
  EngineQuery,
  EngineStatusSubscription,
  KpiHistoryQuery,
  KpisSubscription,
  ReconciliationEventsSubscription,
  ReconciliationReportsQuery,
} from '../../graphql/operations';
import { EngineCard, LatencyCard, OrderFlowCard, ReconciliationCard, VenueCard, WalCard } from './cards';

/** KPI points kept: about two minutes at one a second (a minute for the rates, a minute of trend). */
const KPI_HISTORY = 120;
const KPI_INTERVAL_MS = 1000;
/** The sparklines start from the API's KPI history: the last 5 minutes in 150 points (one per 2 s). */
const KPI_HISTORY_WINDOW = '5m';
const KPI_HISTORY_POINTS = 150;

/** Trading health at a glance; every card follows a subscription and falls back to the device cache. */
export function Dashboard() {
  const app = useApp();
  const isLive = () => app.connection() === 'connected';

  const [engineQuery] = createQuery({ query: EngineQuery });
  const [engineStream] = createSubscription({ query: EngineStatusSubscription });
  const engine = createCachedData(
    'engine',
    createMemo(() => snapshot(engineStream.data?.engineStatus ?? engineQuery.data?.engine)),
    isLive,
  );

  const [kpiQuery] = createQuery({
    query: KpiHistoryQuery,
    variables: { window: KPI_HISTORY_WINDOW, points: KPI_HISTORY_POINTS },
  });
  // One snapshot a second whether or not the engine sampled anew; repeats of a sample are dropped.
  const [kpiStream] = createSubscription(
    { query: KpisSubscription, variables: { intervalMs: KPI_INTERVAL_MS } },
    (points: KpiPoint[] | undefined, data) => addKpiPoint(points ?? [], toKpiPoint(data.kpis), KPI_HISTORY),
  );
  const kpis = createCachedData(
    'kpis',
    createMemo(() => {
      const initial = (snapshot(kpiQuery.data?.kpiHistory) ?? []).map(toKpiPoint);
      const streamed = snapshot(kpiStream.data) ?? [];
      if (initial.length === 0 && streamed.length === 0) return undefined;
      return streamed.reduce(
        (h, p) => addKpiPoint(h, p, KPI_HISTORY),
        initial.sort((a, b) => a.at - b.at).slice(-KPI_HISTORY),
      );
    }),
    isLive,
  );
  const flow = createMemo(() => flowSeries(kpis.data() ?? []));

  const [reportsQuery, refetchReports] = createQuery({
    query: ReconciliationReportsQuery,
    variables: { limit: 5 },
  });
  createSubscription({ query: ReconciliationEventsSubscription }, (_prev, data) => {
    refetchReports({ requestPolicy: 'network-only' });
    return data;
  });
  const recon = createCachedData(
    'reconciliation',
    createMemo(() => {
      const reports = snapshot(reportsQuery.data?.reconciliationReports);
      if (!reports) return undefined;
      return { report: reports[0], nextRunAt: estimateNextRun(reports) ?? null };
    }),
    isLive,
  );

  return (
    <div class="grid">
      <EngineCard engine={engine.data()} receivedAt={engine.receivedAt()} stale={engine.stale()} />
      <For each={engine.data()?.venues ?? []}>
        {(venue) => (
          <VenueCard
            venue={venue}
            engineDown={engine.data()?.connected === false}
            receivedAt={engine.receivedAt()}
            stale={engine.stale()}
          />
        )}
      </For>
      <WalCard engine={engine.data()} receivedAt={engine.receivedAt()} stale={engine.stale()} />
      <ReconciliationCard
        report={recon.data()?.report}
        nextRunAt={recon.data()?.nextRunAt}
        receivedAt={recon.receivedAt()}
        stale={recon.stale()}
      />
      <OrderFlowCard samples={flow()} receivedAt={kpis.receivedAt()} stale={kpis.stale()} />
      <LatencyCard samples={flow()} receivedAt={kpis.receivedAt()} stale={kpis.stale()} />
      <Show when={engineQuery.error && !engine.data()}>
        <p class="error" role="alert">
          Could not load the engine status: {engineQuery.error?.message}
        </p>
      </Show>
    </div>
  );
}
