import { createMemo, createSignal, For, Show } from 'solid-js';
import { createMutation, createQuery, createSubscription } from '@urql/solid';
import { canOperate, useApp } from '../../app-context';
import { Field } from '../../components/card';
import { StaleBadge } from '../../components/stale-badge';
import { createCachedData, snapshot } from '../../lib/cached';
import { formatTime } from '../../lib/format';
import { isCancelable, statusLabel, statusTone } from '../../lib/order-status';
import {
  CancelOrderMutation,
  failureMessage,
  isSuccess,
  OrderEventsSubscription,
  OrderQuery,
  type MutationFailure,
} from '../../graphql/operations';

/** One order, its event history (live), and cancel with confirmation for operators. */
export function OrderDetailView(props: { clientOrderId: string }) {
  const app = useApp();
  const [order, refetch] = createQuery({
    query: OrderQuery,
    variables: () => ({ clientOrderId: props.clientOrderId }),
  });
  createSubscription(
    { query: OrderEventsSubscription, variables: () => ({ clientOrderId: props.clientOrderId }) },
    (_prev, data) => {
      refetch({ requestPolicy: 'network-only' });
      return data;
    },
  );
  const cached = createMemo(() =>
    createCachedData(
      `order:${props.clientOrderId}`,
      () => snapshot(order.data?.order ?? undefined),
      () => app.connection() === 'connected',
    ),
  );
  const o = () => cached().data();

  const [cancelState, cancel] = createMutation(CancelOrderMutation);
  const [confirming, setConfirming] = createSignal(false);
  const [cancelError, setCancelError] = createSignal<string>();
  const confirmCancel = async () => {
    setCancelError(undefined);
    const res = await cancel({ clientOrderId: props.clientOrderId });
    setConfirming(false);
    if (res.error) setCancelError(res.error.graphQLErrors[0]?.message ?? res.error.message);
    else if (res.data && !isSuccess(res.data.cancelOrder))
      setCancelError(failureMessage(res.data.cancelOrder as MutationFailure));
    else refetch({ requestPolicy: 'network-only' });
  };

  return (
    <main>
      <div class="toolbar">
        <h1>Order {props.clientOrderId}</h1>
        <StaleBadge receivedAt={cached().receivedAt()} stale={cached().stale()} />
      </div>
      <Show
        when={o()}
        fallback={
          <p role={order.error ? 'alert' : undefined}>
            {order.fetching
              ? 'Loading…'
              : order.error
                ? `Could not load: ${order.error.message}`
                : 'No such order'}
          </p>
        }
      >
        {(ord) => (
          <>
            <section class="card" aria-label="Order">
              <p class="big">
                <span class={`chip chip-${statusTone(ord().status)}`}>{statusLabel(ord().status)}</span>
              </p>
              <dl>
                <Field label="Side">{ord().side}</Field>
                <Field label="Symbol">
                  {ord().symbol} on {ord().venue}
                </Field>
                <Field label="Type">
                  {ord().type} {ord().timeInForce}
                </Field>
                <Field label="Quantity">{ord().quantity}</Field>
                <Field label="Price">{ord().price ?? 'market'}</Field>
                <Field label="Filled">
                  {ord().filledQuantity}
                  {ord().averageFillPrice ? ` @ ${ord().averageFillPrice}` : ''}
                </Field>
                <Show when={ord().rejectReason}>
                  <Field label="Reason">{ord().rejectReason}</Field>
                </Show>
                <Field label="Venue order id">{ord().venueOrderId ?? '—'}</Field>
              </dl>
            </section>
            <Show when={canOperate(app.role()) && isCancelable(ord().status)}>
              <Show
                when={confirming()}
                fallback={
                  <button type="button" class="danger" onClick={() => setConfirming(true)}>
                    Cancel order
                  </button>
                }
              >
                <div class="confirm" role="alertdialog" aria-labelledby="confirm-title" aria-modal="false">
                  <p id="confirm-title">
                    Cancel {ord().side} {ord().quantity} {ord().symbol}?
                  </p>
                  <div class="actions">
                    <button type="button" onClick={() => setConfirming(false)}>
                      Keep order
                    </button>
                    <button
                      type="button"
                      class="danger"
                      disabled={cancelState.fetching}
                      onClick={confirmCancel}
                    >
                      Yes, cancel it
                    </button>
                  </div>
                </div>
              </Show>
            </Show>
            <Show when={cancelError()}>
              <p class="error" role="alert">
                {cancelError()}
              </p>
            </Show>
            <h2>History</h2>
            <ol class="timeline" aria-label="Order events">
              <For each={ord().events}>
                {(ev) => (
                  <li>
                    <strong>{statusLabel(ev.type)}</strong>
                    <span class="muted">
                      {' '}
                      #{ev.seq} · {formatTime(ev.ts)}
                      {ev.source ? ` · ${ev.source}` : ''}
                    </span>
                    <Show when={ev.fill}>
                      {(fill) => (
                        <div>
                          Fill {fill().quantity} @ {fill().price}
                        </div>
                      )}
                    </Show>
                    <Show when={ev.reason}>
                      <div>{ev.reason}</div>
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          </>
        )}
      </Show>
    </main>
  );
}
