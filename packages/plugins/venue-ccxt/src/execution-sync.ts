import type { ExecutionReport } from '@veloz/engine';
import type { Exchange, Order as CcxtOrder, Trade as CcxtTrade } from 'ccxt';
import type { ExecutionTracker } from './execution-tracker';
import { mapCcxtError, mapOrder, mapTrade } from './map';

export interface ExecutionSyncDeps {
  /** The live ccxt instance (throws once the venue stopped). */
  exchange: () => Exchange;
  tracker: ExecutionTracker;
  emit: (reports: ExecutionReport[]) => void;
  now: () => number;
}

/**
 * The I/O shell around the execution tracker: reads open orders, order status and trades from the
 * exchange (polling or ccxt.pro watchers) and feeds the tracker, which decides what to report.
 */
export interface ExecutionSync {
  /** Trades older than this (exchange epoch ms) are history, not news. Set once at first connect. */
  setTradeCursor(ms: number): void;
  /** Remember which client order id a venue order id carries (trades only name the venue id). */
  remember(venueOrderId: string, clientOrderId: string): void;
  /** The client order id of a trade's order, asking the exchange when it is not known yet. */
  clientOrderIdOf(trade: CcxtTrade, symbol: string): Promise<string | undefined>;
  observeOrder(order: CcxtOrder, clientOrderId?: string): void;
  observeTrade(trade: CcxtTrade, clientOrderId: string): void;
  /** One polling round for a symbol: open orders, final state of orders that left them, new trades. */
  pollSymbol(symbol: string): Promise<void>;
}

/** Create the sync for one venue. */
export function createExecutionSync(deps: ExecutionSyncDeps): ExecutionSync {
  const clientIds = new Map<string, string>();
  let tradeCursor = 0;

  const remember = (venueOrderId: string, clientOrderId: string) => {
    clientIds.set(venueOrderId, clientOrderId);
    // Bounded: a long-running venue sees many orders; the tracker keeps the open ones anyway.
    if (clientIds.size > 20_000) {
      const first = clientIds.keys().next();
      if (!first.done) clientIds.delete(first.value);
    }
  };

  const clientOrderIdOf = async (trade: CcxtTrade, symbol: string) => {
    if (trade.order === undefined || trade.order === null) return undefined;
    const orderId = String(trade.order);
    const known = deps.tracker.clientOrderIdOf(orderId) ?? clientIds.get(orderId);
    if (known) return known;
    const order = await deps.exchange().fetchOrder(orderId, symbol);
    if (order.clientOrderId) remember(orderId, order.clientOrderId);
    return order.clientOrderId;
  };

  const observeOrder = (order: CcxtOrder, clientOrderId?: string) => {
    const report = mapOrder(order, clientOrderId);
    if (clientOrderId) report.clientOrderId = clientOrderId;
    remember(report.venueOrderId, report.clientOrderId);
    deps.emit(deps.tracker.observe(report, deps.now()));
  };

  const observeTrade = (trade: CcxtTrade, clientOrderId: string) => {
    const f = mapTrade(trade, clientOrderId);
    deps.emit(deps.tracker.fill({ ...f, timestamp: f.timestamp || deps.now() }, deps.now()));
  };

  return {
    setTradeCursor: (ms) => {
      tradeCursor = ms;
    },
    remember,
    clientOrderIdOf,
    observeOrder,
    observeTrade,

    async pollSymbol(symbol) {
      const e = deps.exchange();
      const open = await e.fetchOpenOrders(symbol);
      const openIds = new Set<string>();
      for (const o of open) {
        if (!o.clientOrderId) continue;
        openIds.add(o.clientOrderId);
        observeOrder(o);
      }
      // Orders we follow that left the open list finished somehow: ask for their final state.
      for (const r of deps.tracker.openOrders(symbol)) {
        if (openIds.has(r.clientOrderId)) continue;
        try {
          const o = await e.fetchOrder(r.venueOrderId, symbol, { clientOrderId: r.clientOrderId });
          observeOrder(o, r.clientOrderId);
        } catch (error) {
          if (mapCcxtError(error) !== 'NOT_FOUND') throw error;
        }
      }
      if (!e.has['fetchMyTrades']) return;
      const trades = await e.fetchMyTrades(symbol, tradeCursor);
      let cursor = tradeCursor;
      for (const t of trades) {
        const cid = await clientOrderIdOf(t, symbol);
        if (cid) observeTrade(t, cid);
        if (t.timestamp !== undefined && t.timestamp > cursor) cursor = t.timestamp;
      }
      // The next read starts at the last trade's millisecond again (inclusive): the tracker drops repeats.
      tradeCursor = cursor;
    },
  };
}
