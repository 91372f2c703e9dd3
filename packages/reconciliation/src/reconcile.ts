import {
  cmp,
  OPEN_STATUSES,
  type Decimal,
  type Fill,
  type Order,
  type OrderStatus,
  type VenueOrderReport,
} from '@veloz/engine';
import type { Finding, OrderView, Severity } from './types';

/** Options of one pure reconciliation pass over one venue. */
export interface ReconcileOptions {
  /** Venue id; only OMS orders of this venue are compared. */
  venue: string;
  /** Epoch ms "now", for the grace period. */
  now: number;
  /**
   * Orders changed (on either side) less than this many ms ago are left for the next run: their
   * execution report or acknowledgement may still be in flight. 0 at startup (nothing is in flight).
   */
  graceMs?: number;
  /**
   * Venue fills by client order id (from `VenuePlugin.recentFills`), used to book the venue's real fills
   * (with their fill ids) instead of a synthesized one when fills were missed.
   */
  venueFills?: ReadonlyMap<string, readonly Fill[]>;
  /**
   * Relative tolerance on average fill prices (default 1e-9): venues round averages differently than
   * the OMS's 18 places.
   */
  priceTolerance?: number;
}

/** The result of one pass: the findings and how many candidates the grace period deferred. */
export interface ReconcileResult {
  findings: Finding[];
  /** Disagreements left for the next run because one side changed within `graceMs`. */
  deferred: number;
}

/** Compact view of an OMS order. */
export function omsView(order: Order): OrderView {
  const v: OrderView = {
    status: order.status,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    timeInForce: order.timeInForce,
    quantity: order.quantity,
    filledQuantity: order.filledQuantity,
    updatedAt: order.updatedAt,
  };
  if (order.venueOrderId !== undefined) v.venueOrderId = order.venueOrderId;
  if (order.price !== undefined) v.price = order.price;
  if (order.averageFillPrice !== undefined) v.averageFillPrice = order.averageFillPrice;
  return v;
}

/** Compact view of a venue report. */
export function venueView(report: VenueOrderReport): OrderView {
  const v: OrderView = {
    status: report.status,
    venueOrderId: report.venueOrderId,
    symbol: report.symbol,
    side: report.side,
    type: report.type,
    timeInForce: report.timeInForce,
    quantity: report.quantity,
    filledQuantity: report.filledQuantity,
    updatedAt: report.updatedAt,
  };
  if (report.price !== undefined) v.price = report.price;
  if (report.averageFillPrice !== undefined) v.averageFillPrice = report.averageFillPrice;
  return v;
}

// Canonical decimals compare equal as strings; big.js only when the strings differ (e.g. "1.50" vs "1.5").
function decEq(a: Decimal, b: Decimal): boolean {
  return a === b || cmp(a, b) === 0;
}

function pricesClose(a: Decimal | undefined, b: Decimal | undefined, tolerance: number): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  if (decEq(a, b)) return true;
  const x = Number(a);
  const y = Number(b);
  return Math.abs(x - y) <= tolerance * Math.max(Math.abs(x), Math.abs(y));
}

// Venue statuses in which the order is still working there.
const VENUE_WORKING = new Set<OrderStatus>(['NEW', 'PARTIALLY_FILLED', 'PENDING_CANCEL', 'PENDING_NEW']);

function unbookedFills(order: Order, fills: readonly Fill[] | undefined): Fill[] | undefined {
  if (!fills || fills.length === 0) return undefined;
  const booked = new Set(order.fills.map((f) => f.fillId));
  const missed = fills.filter((f) => !booked.has(f.fillId));
  return missed.length > 0 ? missed : undefined;
}

/**
 * Compare one order both sides know. Returns undefined when they agree. `listed` says whether the report
 * came from the venue's open orders (else from a status lookup of an order the venue no longer lists).
 */
function compare(
  order: Order,
  report: VenueOrderReport,
  listed: boolean,
  options: ReconcileOptions,
  tolerance: number,
): Finding | undefined {
  // The common case (both agree) must stay cheap: string compares first, views built only for findings.
  const qtyDiff =
    report.filledQuantity === order.filledQuantity ? 0 : cmp(report.filledQuantity, order.filledQuantity);
  const omsOpen = OPEN_STATUSES.has(order.status);
  if (
    listed &&
    qtyDiff === 0 &&
    omsOpen &&
    order.status !== 'PENDING_NEW' &&
    order.status !== 'PENDING_CANCEL'
  ) {
    if (pricesClose(order.averageFillPrice, report.averageFillPrice, tolerance)) return undefined;
  }
  const base = {
    venue: options.venue,
    clientOrderId: order.clientOrderId,
    venueOrderId: report.venueOrderId,
    before: omsView(order),
    after: venueView(report),
  };
  const withFills = (f: Finding): Finding => {
    const missed = unbookedFills(order, options.venueFills?.get(order.clientOrderId));
    if (missed) f.venueFills = missed;
    return f;
  };
  const venueOpen = VENUE_WORKING.has(report.status);

  if (!listed) {
    // The OMS holds the order open, the venue lists it no longer: MISSING, whatever the lookup says.
    const severity: Severity = qtyDiff !== 0 || venueOpen ? 'critical' : 'warning';
    return withFills({
      kind: 'MISSING',
      severity,
      ...base,
      detail:
        `OMS has ${order.status} ${order.filledQuantity}/${order.quantity}; venue does not list it open, ` +
        `status lookup says ${report.status} ${report.filledQuantity}/${report.quantity}`,
    });
  }
  if (qtyDiff !== 0) {
    return withFills({
      kind: 'FILL_MISMATCH',
      severity: 'critical',
      ...base,
      detail: `filled quantity: OMS ${order.filledQuantity}, venue ${report.filledQuantity}`,
    });
  }
  if (!pricesClose(order.averageFillPrice, report.averageFillPrice, tolerance)) {
    return {
      kind: 'FILL_MISMATCH',
      severity: 'warning',
      ...base,
      detail: `average fill price: OMS ${order.averageFillPrice ?? '-'}, venue ${report.averageFillPrice ?? '-'}`,
    };
  }
  if (!omsOpen) {
    return {
      kind: 'STATUS_MISMATCH',
      severity: 'critical',
      ...base,
      detail: `venue is still working the order (${report.status}) that the OMS holds ${order.status}`,
    };
  }
  if (order.status === 'PENDING_NEW') {
    return {
      kind: 'STATUS_MISMATCH',
      severity: 'info',
      ...base,
      detail: `OMS missed the venue's acknowledgement (OMS PENDING_NEW, venue ${report.status})`,
    };
  }
  if (order.status === 'PENDING_CANCEL' && report.status !== 'PENDING_CANCEL') {
    return {
      kind: 'STATUS_MISMATCH',
      severity: 'warning',
      ...base,
      detail: `cancel not applied at the venue (OMS PENDING_CANCEL, venue ${report.status})`,
    };
  }
  return undefined;
}

/**
 * The reconciler: OMS orders and venue reports in, findings out. Pure and O(n + m) with Maps.
 *
 * - `omsOrders`: the OMS's orders (any status; those of other venues are ignored). Final orders matter
 *   only when the venue still lists them open.
 * - `venueOpen`: the venue's open orders.
 * - `statusLookups`: for OMS-open orders the venue does not list, the venue's answer to an order-status
 *   query (`undefined` = the venue never saw the order). An order without an entry was not looked up.
 */
export function reconcile(
  omsOrders: readonly Order[],
  venueOpen: readonly VenueOrderReport[],
  statusLookups: ReadonlyMap<string, VenueOrderReport | undefined>,
  options: ReconcileOptions,
): ReconcileResult {
  const grace = options.graceMs ?? 0;
  const settled = options.now - grace;
  const tolerance = options.priceTolerance ?? 1e-9;
  const byId = new Map<string, Order>();
  for (const o of omsOrders) if (o.venue === options.venue) byId.set(o.clientOrderId, o);

  const findings: Finding[] = [];
  let deferred = 0;
  const push = (f: Finding | undefined, order: Order | undefined, report: VenueOrderReport | undefined) => {
    if (!f) return;
    if (grace > 0 && ((order && order.updatedAt > settled) || (report && report.updatedAt > settled))) {
      deferred++;
      return;
    }
    findings.push(f);
  };

  for (const report of venueOpen) {
    const order = byId.get(report.clientOrderId);
    if (!order) {
      push(
        {
          kind: 'ORPHANED',
          severity: 'critical',
          venue: options.venue,
          clientOrderId: report.clientOrderId,
          venueOrderId: report.venueOrderId,
          before: null,
          after: venueView(report),
          detail: `venue has open order ${report.clientOrderId} (${report.side} ${report.quantity} ${report.symbol}) the OMS does not know`,
        },
        undefined,
        report,
      );
      continue;
    }
    push(compare(order, report, true, options, tolerance), order, report);
    // What is left in byId afterwards is what the venue did not list.
    byId.delete(report.clientOrderId);
  }

  for (const order of byId.values()) {
    if (!OPEN_STATUSES.has(order.status)) continue;
    const looked = statusLookups.has(order.clientOrderId);
    const report = statusLookups.get(order.clientOrderId);
    if (report) {
      // A lookup that answers "open" raced the open-orders call: compare it as if listed.
      const stillOpen = report.status === 'NEW' || report.status === 'PARTIALLY_FILLED';
      push(compare(order, report, stillOpen, options, tolerance), order, report);
      continue;
    }
    const neverSeen = looked;
    push(
      {
        kind: 'MISSING',
        severity: neverSeen && order.status !== 'PENDING_NEW' ? 'critical' : 'warning',
        venue: options.venue,
        clientOrderId: order.clientOrderId,
        ...(order.venueOrderId !== undefined ? { venueOrderId: order.venueOrderId } : {}),
        before: omsView(order),
        after: null,
        ...(neverSeen ? { venueNeverSaw: true } : {}),
        detail: neverSeen
          ? `OMS has ${order.status}; the venue never saw the order`
          : `OMS has ${order.status}; the venue does not list it and its status was not looked up`,
      },
      order,
      undefined,
    );
  }
  return { findings, deferred };
}

/**
 * The OMS-open orders of `venue` that `venueOpen` does not list: the ones to look up with
 * `VenuePlugin.orderStatus` before calling `reconcile`. Orders changed within `graceMs` are skipped.
 */
export function ordersToLookUp(
  omsOrders: readonly Order[],
  venueOpen: readonly VenueOrderReport[],
  venue: string,
  now: number,
  graceMs = 0,
): Order[] {
  const listed = new Set<string>();
  for (const r of venueOpen) listed.add(r.clientOrderId);
  const settled = now - graceMs;
  return omsOrders.filter(
    (o) =>
      o.venue === venue &&
      OPEN_STATUSES.has(o.status) &&
      !listed.has(o.clientOrderId) &&
      (graceMs <= 0 || o.updatedAt <= settled),
  );
}
