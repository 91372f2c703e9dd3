import { createMemo, createSignal, For, Show } from 'solid-js';
import { createMutation, createQuery, createSubscription } from '@urql/solid';
import { canOperate, useApp } from '../app-context';
import { StaleBadge } from '../components/stale-badge';
import { createCachedData, snapshot } from '../lib/cached';
import { formatMs, formatTime } from '../lib/format';
import { statusLabel } from '../lib/order-status';
import {
  failureMessage,
  isSuccess,
  ReconciliationEventsSubscription,
  ReconciliationReportsQuery,
  RunReconciliationMutation,
  type FindingOrderView,
  type MutationFailure,
} from '../graphql/operations';

function OrderSide(props: { title: string; view: FindingOrderView | null | undefined }) {
  return (
    <div class="side">
      <h4>{props.title}</h4>
      <Show when={props.view} fallback={<p class="muted">Not known</p>}>
        {(v) => (
          <p>
            {statusLabel(v().status ?? 'unknown')} · {v().filledQuantity ?? '?'}/{v().quantity ?? '?'}
            {v().price ? ` @ ${v().price}` : ''}
          </p>
        )}
      </Show>
    </div>
  );
}

/** Reconciliation reports with every finding's before (OMS) and after (venue), and "Run now". */
export function ReconciliationView() {
  const app = useApp();
  const [reports, refetch] = createQuery({ query: ReconciliationReportsQuery, variables: { limit: 20 } });
  createSubscription({ query: ReconciliationEventsSubscription }, (_prev, data) => {
    refetch({ requestPolicy: 'network-only' });
    return data;
  });
  const cached = createCachedData(
    'reconciliation-reports',
    createMemo(() => snapshot(reports.data?.reconciliationReports)),
    () => app.connection() === 'connected',
  );
  const [runState, run] = createMutation(RunReconciliationMutation);
  const [message, setMessage] = createSignal<{ text: string; error: boolean }>();
  const runNow = async () => {
    setMessage(undefined);
    const res = await run({});
    if (res.error)
      setMessage({ text: res.error.graphQLErrors[0]?.message ?? res.error.message, error: true });
    else if (res.data && !isSuccess(res.data.runReconciliation))
      setMessage({ text: failureMessage(res.data.runReconciliation as MutationFailure), error: true });
    else {
      setMessage({ text: 'Reconciliation finished', error: false });
      refetch({ requestPolicy: 'network-only' });
    }
  };

  return (
    <main>
      <div class="toolbar">
        <h1>Reconciliation</h1>
        <StaleBadge receivedAt={cached.receivedAt()} stale={cached.stale()} />
        <Show when={canOperate(app.role())}>
          <button type="button" class="primary" disabled={runState.fetching} onClick={runNow}>
            {runState.fetching ? 'Running…' : 'Run now'}
          </button>
        </Show>
      </div>
      <Show when={message()}>
        {(m) => (
          <p class={m().error ? 'error' : 'ok'} role={m().error ? 'alert' : 'status'}>
            {m().text}
          </p>
        )}
      </Show>
      <Show when={reports.error && !cached.data()}>
        <p class="error" role="alert">
          Could not load reports: {reports.error?.message}
        </p>
      </Show>
      <For
        each={cached.data() ?? []}
        fallback={<p class="empty">{reports.fetching ? 'Loading…' : 'No runs yet'}</p>}
      >
        {(r) => (
          <section class="card" aria-label={`Run ${formatTime(r.finishedAt)}`}>
            <header class="card-head">
              <h2>{formatTime(r.finishedAt)}</h2>
              <span
                class={`chip chip-${r.status === 'completed' ? (r.findings.length ? 'warn' : 'ok') : 'bad'}`}
              >
                {r.status === 'completed'
                  ? `${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}`
                  : 'Failed'}
              </span>
            </header>
            <p class="muted">
              {r.reason} · {formatMs(r.durationMs)} · corrected {r.corrected}, unresolved {r.unresolved}
            </p>
            <Show when={r.error}>
              <p class="error">{r.error}</p>
            </Show>
            <ul class="findings">
              <For each={r.findings}>
                {(f) => (
                  <li>
                    <p>
                      <strong>{statusLabel(f.kind)}</strong>{' '}
                      <span class={`chip chip-${f.severity === 'critical' ? 'bad' : 'warn'}`}>
                        {f.severity}
                      </span>{' '}
                      <span class="muted">
                        {f.venue} · {f.clientOrderId}
                      </span>
                    </p>
                    <p>{f.detail}</p>
                    <div class="before-after">
                      <OrderSide title="Before (OMS)" view={f.before} />
                      <OrderSide title="After (venue)" view={f.after} />
                    </div>
                  </li>
                )}
              </For>
            </ul>
          </section>
        )}
      </For>
    </main>
  );
}
