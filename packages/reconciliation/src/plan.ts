import {
  add,
  cmp,
  div,
  isPositive,
  mul,
  reduceOrder,
  sub,
  ZERO,
  type Fill,
  type Order,
  type OrderEvent,
} from '@veloz/engine';
import { omsView } from './reconcile';
import type { Correction, Finding, OrderView, ReconciliationPolicy } from './types';

/** What the planner needs besides the findings. */
export interface PlanContext {
  /** Account the OMS journals for (adopted orphans get it). */
  account: string;
  /** Epoch ms stamped on the correction events. */
  now: number;
  /** The OMS's current order by client order id (to fold the corrections with the reducer). */
  order(clientOrderId: string): Order | undefined;
}

const RECON = 'reconciliation' as const;

function report(finding: Finding, reason: string): Correction {
  return { action: 'report', finding, reason };
}

/**
 * Fills that take the OMS from `order`'s filled quantity to the venue's: the venue's own fills the OMS
 * has not booked first (their ids make a replay or a late execution report idempotent), then one
 * synthesized fill for any remainder, priced so the average becomes the venue's average. The synthesized
 * fill id is deterministic (`recon:<venueOrderId>:<venue filled qty>`) so two runs never book it twice.
 */
function fillsToBook(
  order: Pick<Order, 'filledQuantity' | 'averageFillPrice' | 'clientOrderId'> | undefined,
  venue: OrderView,
  venueFills: readonly Fill[] | undefined,
): Fill[] | string {
  const omsFilled = order?.filledQuantity ?? ZERO;
  const diff = sub(venue.filledQuantity, omsFilled);
  if (!isPositive(diff)) return [];
  const fills: Fill[] = [];
  let booked = ZERO;
  let notional = mul(order?.averageFillPrice ?? ZERO, omsFilled);
  for (const f of [...(venueFills ?? [])].sort((a, b) => a.timestamp - b.timestamp)) {
    const next = add(booked, f.quantity);
    if (cmp(next, diff) > 0) continue;
    fills.push(f);
    booked = next;
    notional = add(notional, mul(f.price, f.quantity));
  }
  const remainder = sub(diff, booked);
  if (!isPositive(remainder)) return fills;
  const avg = venue.averageFillPrice ?? venue.price;
  if (avg === undefined) return 'the venue reports fills without an average price; cannot book them';
  let price = div(sub(mul(avg, venue.filledQuantity), notional), remainder);
  if (!isPositive(price)) price = avg;
  fills.push({
    fillId: `recon:${venue.venueOrderId ?? order?.clientOrderId ?? '?'}:${venue.filledQuantity}`,
    quantity: remainder,
    price,
    timestamp: venue.updatedAt,
  });
  return fills;
}

/** Events that bring a known OMS order to the venue's state, or a reason why none can. */
function syncEvents(order: Order, finding: Finding, venue: OrderView, now: number): OrderEvent[] | string {
  const id = order.clientOrderId;
  const events: OrderEvent[] = [];
  if (
    (order.status === 'PENDING_NEW' || (order.status === 'PENDING_CANCEL' && !order.venueOrderId)) &&
    venue.status !== 'REJECTED' &&
    venue.venueOrderId
  ) {
    events.push({
      type: 'ORDER_ACCEPTED',
      clientOrderId: id,
      venueOrderId: venue.venueOrderId,
      ts: now,
      source: RECON,
    });
  }
  if (cmp(venue.filledQuantity, order.filledQuantity) < 0)
    return `the OMS has more fills (${order.filledQuantity}) than the venue (${venue.filledQuantity})`;
  const fills = fillsToBook(order, venue, finding.venueFills);
  if (typeof fills === 'string') return fills;
  for (const fill of fills) {
    events.push({
      type: 'ORDER_FILLED',
      clientOrderId: id,
      fill,
      ...(venue.venueOrderId ? { venueOrderId: venue.venueOrderId } : {}),
      ts: now,
      source: RECON,
    });
  }
  switch (venue.status) {
    case 'CANCELED':
      events.push({
        type: 'ORDER_CANCELED',
        clientOrderId: id,
        reason: 'canceled at the venue (reconciliation)',
        ts: now,
        source: RECON,
      });
      break;
    case 'EXPIRED':
      events.push({ type: 'ORDER_EXPIRED', clientOrderId: id, ts: now, source: RECON });
      break;
    case 'REJECTED':
      events.push({
        type: 'ORDER_REJECTED',
        clientOrderId: id,
        reason: 'rejected at the venue (reconciliation)',
        ts: now,
        source: RECON,
      });
      break;
    case 'NEW':
    case 'PARTIALLY_FILLED':
      if (order.status === 'PENDING_CANCEL')
        events.push({
          type: 'CANCEL_REJECTED',
          clientOrderId: id,
          reason: 'cancel not applied at the venue (reconciliation)',
          ts: now,
          source: RECON,
        });
      break;
    default:
      break;
  }
  return events;
}

/** Fold `events` onto `order` with the OrderStore reducer: the correction is legal or it is not made. */
function fold(order: Order | undefined, events: readonly OrderEvent[]): Order | string {
  let current = order;
  try {
    for (const e of events) current = reduceOrder(current, e);
  } catch (error) {
    return `no legal correction: ${error instanceof Error ? error.message : String(error)}`;
  }
  return current ?? 'no events';
}

function journal(finding: Finding, order: Order | undefined, events: OrderEvent[] | string): Correction {
  if (typeof events === 'string') return report(finding, events);
  if (events.length === 0) return report(finding, 'nothing to journal');
  const after = fold(order, events);
  if (typeof after === 'string') return report(finding, after);
  const venue = finding.after;
  if (venue && cmp(after.filledQuantity, venue.filledQuantity) !== 0)
    return report(
      finding,
      `correction would leave ${after.filledQuantity} filled, venue has ${venue.filledQuantity}`,
    );
  return { action: 'journal', finding, events, expected: omsView(after) };
}

function adopt(finding: Finding, ctx: PlanContext): Correction {
  const v = finding.after;
  if (!v || !finding.venueOrderId)
    return report(finding, 'the venue report lacks the order details to adopt it');
  const id = finding.clientOrderId;
  const events: OrderEvent[] = [
    {
      type: 'ORDER_SUBMITTED',
      clientOrderId: id,
      order: {
        clientOrderId: id,
        account: ctx.account,
        venue: finding.venue,
        symbol: v.symbol,
        side: v.side,
        type: v.type,
        timeInForce: v.timeInForce,
        quantity: v.quantity,
        ...(v.price !== undefined ? { price: v.price } : {}),
      },
      ts: ctx.now,
      source: RECON,
    },
    {
      type: 'ORDER_ACCEPTED',
      clientOrderId: id,
      venueOrderId: finding.venueOrderId,
      ts: ctx.now,
      source: RECON,
    },
  ];
  const fills = fillsToBook(undefined, v, finding.venueFills);
  if (typeof fills === 'string') return report(finding, fills);
  for (const fill of fills)
    events.push({
      type: 'ORDER_FILLED',
      clientOrderId: id,
      fill,
      venueOrderId: finding.venueOrderId,
      ts: ctx.now,
      source: RECON,
    });
  return journal(finding, undefined, events);
}

function planOne(finding: Finding, policy: ReconciliationPolicy, ctx: PlanContext): Correction {
  const mode = policy[finding.kind];
  if (mode === 'report') return report(finding, `policy ${finding.kind}=report`);
  if (finding.kind === 'ORPHANED') {
    if (ctx.order(finding.clientOrderId))
      return report(finding, 'the OMS knows this order now; the next run compares it');
    return mode === 'cancel' ? { action: 'cancel-at-venue', finding } : adopt(finding, ctx);
  }
  const order = ctx.order(finding.clientOrderId);
  if (!order) return report(finding, 'the OMS no longer has this order');
  const venue = finding.after;
  if (!venue) {
    if (finding.kind === 'MISSING' && finding.venueNeverSaw && order.status === 'PENDING_NEW') {
      return journal(finding, order, [
        {
          type: 'ORDER_REJECTED',
          clientOrderId: order.clientOrderId,
          reason: 'never reached the venue (reconciliation)',
          ts: ctx.now,
          source: RECON,
        },
      ]);
    }
    return report(
      finding,
      finding.venueNeverSaw
        ? `the venue does not know an order the OMS holds ${order.status}; an operator must check`
        : 'the order status was not looked up',
    );
  }
  if (finding.kind === 'FILL_MISMATCH' && cmp(venue.filledQuantity, order.filledQuantity) === 0)
    return report(finding, 'average price differs with equal quantities; fills cannot be rewritten');
  if (
    finding.kind === 'STATUS_MISMATCH' &&
    !['PENDING_NEW', 'NEW', 'PARTIALLY_FILLED', 'PENDING_CANCEL'].includes(order.status)
  ) {
    return policy.ORPHANED === 'cancel'
      ? { action: 'cancel-at-venue', finding }
      : report(finding, `the OMS holds the order ${order.status}; it cannot reopen (cancel it at the venue)`);
  }
  return journal(finding, order, syncEvents(order, finding, venue, ctx.now));
}

/**
 * The planner: findings and a policy in, one correction per finding out. Pure. Journal corrections are
 * order events marked `source: 'reconciliation'` that the OrderStore reducer accepts from the OMS's
 * current state and that leave the order as the venue has it; anything else becomes `report`.
 */
export function plan(
  findings: readonly Finding[],
  policy: ReconciliationPolicy,
  ctx: PlanContext,
): Correction[] {
  return findings.map((f) => planOne(f, policy, ctx));
}
