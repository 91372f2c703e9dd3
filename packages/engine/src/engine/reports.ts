import { add, cmp, div, isPositive, mul, sub, ZERO } from '../domain/decimal';
import type { Fill, Order, OrderEvent } from '../domain/order';
import type { ExecutionReport, VenueOrderReport } from '../plugins/venue';

export type ReportOutcome = { event: OrderEvent } | { skip: 'UNKNOWN_ORDER' | 'DUPLICATE' };

/**
 * Map a venue's execution report to the order event to journal, given the order as it is. Pure.
 * Reports that repeat what the book holds (an ack for an acked order, a fill id already booked, a
 * second cancel) are skipped as DUPLICATE; anything else is returned for the state machine to judge.
 */
export function eventFromExecution(report: ExecutionReport, order: Order | undefined): ReportOutcome {
  if (!order) return { skip: 'UNKNOWN_ORDER' };
  const base = { clientOrderId: report.clientOrderId, ts: report.ts, source: 'venue' as const };
  switch (report.kind) {
    case 'ACCEPTED': {
      const needsAck =
        order.status === 'PENDING_NEW' || (order.status === 'PENDING_CANCEL' && !order.venueOrderId);
      if (!needsAck) return { skip: 'DUPLICATE' };
      return { event: { ...base, type: 'ORDER_ACCEPTED', venueOrderId: report.venueOrderId } };
    }
    case 'REJECTED':
      if (order.status === 'REJECTED') return { skip: 'DUPLICATE' };
      return { event: { ...base, type: 'ORDER_REJECTED', reason: report.reason } };
    case 'FILL':
      if (order.fills.some((f) => f.fillId === report.fill.fillId)) return { skip: 'DUPLICATE' };
      return {
        event: { ...base, type: 'ORDER_FILLED', fill: report.fill, venueOrderId: report.venueOrderId },
      };
    case 'CANCELED':
      if (order.status === 'CANCELED') return { skip: 'DUPLICATE' };
      return {
        event: { ...base, type: 'ORDER_CANCELED', ...(report.reason ? { reason: report.reason } : {}) },
      };
    case 'EXPIRED':
      if (order.status === 'EXPIRED') return { skip: 'DUPLICATE' };
      return { event: { ...base, type: 'ORDER_EXPIRED' } };
  }
}

/**
 * The events that bring an order left PENDING_NEW up to what the venue reports about it. Pure.
 * `venueFills` are the venue's fills of this order (from recentFills); fills the book lacks are
 * journaled as they are, and a remainder the venue reports filled but did not list is booked as one
 * synthetic fill priced so the average matches the venue's (fill id `resolve:<clientOrderId>:<filled>`).
 * `report` undefined: the venue never saw the order.
 */
export function eventsFromVenueReport(
  order: Order,
  report: VenueOrderReport | undefined,
  venueFills: Fill[],
  now: number,
): OrderEvent[] {
  const base = { clientOrderId: order.clientOrderId, ts: now, source: 'venue' as const };
  if (!report) return [{ ...base, type: 'ORDER_REJECTED', reason: 'not received by venue' }];
  if (report.status === 'PENDING_NEW') return [];
  if (report.status === 'REJECTED') return [{ ...base, type: 'ORDER_REJECTED', reason: 'rejected by venue' }];

  const events: OrderEvent[] = [];
  if (order.status === 'PENDING_NEW')
    events.push({ ...base, type: 'ORDER_ACCEPTED', venueOrderId: report.venueOrderId });

  let filled = order.filledQuantity;
  let notional = mul(order.averageFillPrice ?? ZERO, order.filledQuantity);
  const known = new Set(order.fills.map((f) => f.fillId));
  for (const fill of [...venueFills].sort((a, b) => a.timestamp - b.timestamp)) {
    if (known.has(fill.fillId)) continue;
    const next = add(filled, fill.quantity);
    if (cmp(next, report.filledQuantity) > 0) break;
    events.push({ ...base, type: 'ORDER_FILLED', fill, venueOrderId: report.venueOrderId });
    filled = next;
    notional = add(notional, mul(fill.price, fill.quantity));
  }
  const remainder = sub(report.filledQuantity, filled);
  if (isPositive(remainder)) {
    const avg = report.averageFillPrice ?? order.price;
    const price = avg ? div(sub(mul(avg, report.filledQuantity), notional), remainder) : undefined;
    if (price !== undefined && isPositive(price)) {
      events.push({
        ...base,
        type: 'ORDER_FILLED',
        venueOrderId: report.venueOrderId,
        fill: {
          fillId: `resolve:${order.clientOrderId}:${report.filledQuantity}`,
          quantity: remainder,
          price,
          timestamp: report.updatedAt,
        },
      });
    }
  }
  if (report.status === 'CANCELED')
    events.push({ ...base, type: 'ORDER_CANCELED', reason: 'canceled at venue' });
  if (report.status === 'EXPIRED') events.push({ ...base, type: 'ORDER_EXPIRED' });
  return events;
}
