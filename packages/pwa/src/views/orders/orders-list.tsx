import { createMemo, createSignal, For, onCleanup, Show } from 'solid-js';
import { createQuery, createSubscription } from '@urql/solid';
import { canOperate, useApp } from '../../app-context';
import { Link } from '../../components/link';
import { StaleBadge } from '../../components/stale-badge';
import { createCachedData, snapshot } from '../../lib/cached';
import { formatTime } from '../../lib/format';
import { ORDER_STATUSES, statusLabel, statusTone } from '../../lib/order-status';
import { OrderEventsSubscription, OrdersQuery, type OrderFilter } from '../../graphql/operations';

const PAGE = 50;

/** The live order list with filters by status, side and symbol. */
export function OrdersList() {
  const app = useApp();
  const [status, setStatus] = createSignal('');
  const [side, setSide] = createSignal('');
  const [symbol, setSymbol] = createSignal('');
  const filter = createMemo((): OrderFilter => {
    const f: OrderFilter = {};
    if (status()) f.status = [status()];
    if (side()) f.side = side();
    if (symbol().trim()) f.symbol = symbol().trim().toUpperCase();
    return f;
  });
  const [orders, refetch] = createQuery({
    query: OrdersQuery,
    variables: () => ({ ...filter(), first: PAGE }),
  });

  // Every order event refreshes the list; bursts of fills are coalesced into one request.
  let timer: ReturnType<typeof setTimeout> | undefined;
  createSubscription({ query: OrderEventsSubscription, variables: {} }, (_prev, data) => {
    clearTimeout(timer);
    timer = setTimeout(() => refetch({ requestPolicy: 'network-only' }), 150);
    return data;
  });
  onCleanup(() => clearTimeout(timer));

  const cacheKey = () => `orders:${JSON.stringify(filter())}`;
  const list = createMemo(() =>
    createCachedData(
      cacheKey(),
      () => snapshot(orders.data?.orders.edges.map((e) => e.node)),
      () => app.connection() === 'connected',
    ),
  );

  return (
    <main>
      <div class="toolbar">
        <h1>Orders</h1>
        <StaleBadge receivedAt={list().receivedAt()} stale={list().stale()} />
        <Show when={canOperate(app.role())}>
          <Link href="/orders/new" class="button primary">
            New order
          </Link>
        </Show>
      </div>
      <form class="filters" role="search" aria-label="Filter orders" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status()} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any</option>
            <For each={ORDER_STATUSES}>{(s) => <option value={s}>{statusLabel(s)}</option>}</For>
          </select>
        </label>
        <label>
          Side
          <select value={side()} onChange={(e) => setSide(e.currentTarget.value)}>
            <option value="">Any</option>
            <option value="BUY">Buy</option>
            <option value="SELL">Sell</option>
          </select>
        </label>
        <label>
          Symbol
          <input value={symbol()} onChange={(e) => setSymbol(e.currentTarget.value)} placeholder="BTC-USD" />
        </label>
      </form>
      <Show when={orders.error && !list().data()}>
        <p class="error" role="alert">
          Could not load orders: {orders.error?.message}
        </p>
      </Show>
      <ul class="list" aria-label="Orders">
        <For
          each={list().data() ?? []}
          fallback={<li class="empty">{orders.fetching ? 'Loading…' : 'No orders'}</li>}
        >
          {(o) => (
            <li>
              <Link href={`/orders/${encodeURIComponent(o.clientOrderId)}`} class="row">
                <span class="row-main">
                  <strong>
                    {o.side} {o.quantity} {o.symbol}
                  </strong>
                  <span class="muted">
                    {o.type === 'LIMIT' ? `@ ${o.price}` : 'market'} · {o.clientOrderId}
                  </span>
                </span>
                <span class="row-side">
                  <span class={`chip chip-${statusTone(o.status)}`}>{statusLabel(o.status)}</span>
                  <span class="muted">{formatTime(o.updatedAt)}</span>
                </span>
              </Link>
            </li>
          )}
        </For>
      </ul>
    </main>
  );
}
