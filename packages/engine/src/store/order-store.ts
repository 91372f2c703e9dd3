import { add, cmp, div, isPositive, mul, ZERO } from '../domain/decimal';
import type { Order, OrderEvent, OrderStatus } from '../domain/order';
import { OPEN_STATUSES } from '../domain/order';
import { transition, type OrderTrigger } from '../domain/state-machine';
import { VelozError } from '../errors';

/** An event that does not fit the book: unknown order, duplicate submission, over-fill. */
export class OrderEventError extends VelozError {
  constructor(
    code: 'ORDER_UNKNOWN' | 'ORDER_EXISTS' | 'OVERFILL',
    message: string,
    readonly clientOrderId: string,
  ) {
    super(code, message);
  }
}

function triggerOf(order: Order | undefined, event: OrderEvent): OrderTrigger {
  switch (event.type) {
    case 'ORDER_SUBMITTED':
      return 'SUBMIT';
    case 'ORDER_ACCEPTED':
      return 'ACCEPT';
    case 'ORDER_REJECTED':
      return 'REJECT';
    case 'ORDER_FILLED': {
      const filled = add(order?.filledQuantity ?? ZERO, event.fill.quantity);
      return order && cmp(filled, order.quantity) === 0 ? 'FILL' : 'PARTIAL_FILL';
    }
    case 'CANCEL_REQUESTED':
      return 'CANCEL_REQUEST';
    case 'CANCEL_REJECTED':
      return 'CANCEL_REJECT';
    case 'ORDER_CANCELED':
      return 'CANCEL';
    case 'ORDER_EXPIRED':
      return 'EXPIRE';
  }
}

/**
 * The order reducer: `order` (undefined before it exists) plus one event gives the next order.
 * Pure: never mutates its input. Throws IllegalTransitionError for moves the state machine forbids and
 * OrderEventError for events that do not fit the book. A fill whose `fillId` was already applied returns
 * the order unchanged (venues resend fills; replays must be idempotent).
 */
export function reduceOrder(order: Order | undefined, event: OrderEvent, seq = 0): Order {
  const id = event.clientOrderId;
  if (event.type === 'ORDER_SUBMITTED' || (event.type === 'ORDER_REJECTED' && event.order)) {
    if (order) throw new OrderEventError('ORDER_EXISTS', `order ${id} already exists`, id);
    const request = event.type === 'ORDER_SUBMITTED' ? event.order : event.order!;
    const status = transition('INITIAL', triggerOf(undefined, event), false, id);
    return {
      ...request,
      status,
      filledQuantity: ZERO,
      fills: [],
      createdAt: event.ts,
      updatedAt: event.ts,
      seq,
      ...(event.type === 'ORDER_REJECTED' ? { rejectReason: event.reason } : {}),
    };
  }
  if (!order) throw new OrderEventError('ORDER_UNKNOWN', `no order ${id} for ${event.type}`, id);

  if (event.type === 'ORDER_FILLED' && order.fills.some((f) => f.fillId === event.fill.fillId)) return order;

  const status: OrderStatus = transition(
    order.status,
    triggerOf(order, event),
    isPositive(order.filledQuantity),
    id,
  );
  const next: Order = { ...order, status, updatedAt: event.ts, seq };
  switch (event.type) {
    case 'ORDER_ACCEPTED':
      next.venueOrderId = event.venueOrderId;
      break;
    case 'ORDER_REJECTED':
      next.rejectReason = event.reason;
      break;
    case 'ORDER_FILLED': {
      const { fill } = event;
      const filled = add(order.filledQuantity, fill.quantity);
      if (cmp(filled, order.quantity) > 0) {
        throw new OrderEventError(
          'OVERFILL',
          `fill ${fill.fillId} of ${fill.quantity} overfills order ${id} (${order.filledQuantity}/${order.quantity})`,
          id,
        );
      }
      // Notional from the fills themselves (exact), divided once: re-deriving it from the rounded
      // average would drift by 1e-18 per fill.
      const notional = order.fills.reduce(
        (sum, f) => add(sum, mul(f.price, f.quantity)),
        mul(fill.price, fill.quantity),
      );
      next.filledQuantity = filled;
      next.averageFillPrice = div(notional, filled);
      next.fills = [...order.fills, fill];
      if (event.venueOrderId && !next.venueOrderId) next.venueOrderId = event.venueOrderId;
      break;
    }
    case 'CANCEL_REJECTED':
      next.rejectReason = event.reason;
      break;
    default:
      break;
  }
  return next;
}

/** Serializable form of the whole book, for snapshots. */
export interface OrderStoreSnapshot {
  version: 1;
  /** Highest WAL sequence folded into this state. */
  lastSeq: number;
  orders: Order[];
}

/**
 * The book of record: every order by client order id, folded from order events with `reduceOrder`.
 * The engine and every API replica hold one; replaying the WAL into a fresh store rebuilds it exactly.
 */
export class OrderStore {
  private readonly byId = new Map<string, Order>();
  private openCount = 0;
  private seq = 0;

  /** Highest sequence applied (0 for a fresh store). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Apply one event; returns the order as it now is. Throws like `reduceOrder`, leaving the store unchanged. */
  apply(event: OrderEvent, seq = 0): Order {
    const before = this.byId.get(event.clientOrderId);
    const after = reduceOrder(before, event, seq);
    if (after !== before) {
      this.byId.set(after.clientOrderId, after);
      this.openCount +=
        (OPEN_STATUSES.has(after.status) ? 1 : 0) - (before && OPEN_STATUSES.has(before.status) ? 1 : 0);
    }
    if (seq > this.seq) this.seq = seq;
    return after;
  }

  /** Record that `seq` was consumed without an order event (other entry types, skipped entries). */
  advanceTo(seq: number): void {
    if (seq > this.seq) this.seq = seq;
  }

  get(clientOrderId: string): Order | undefined {
    return this.byId.get(clientOrderId);
  }

  has(clientOrderId: string): boolean {
    return this.byId.has(clientOrderId);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Orders that can still trade (PENDING_NEW, NEW, PARTIALLY_FILLED, PENDING_CANCEL). */
  get openOrderCount(): number {
    return this.openCount;
  }

  all(): IterableIterator<Order> {
    return this.byId.values();
  }

  open(): Order[] {
    return [...this.byId.values()].filter((o) => OPEN_STATUSES.has(o.status));
  }

  toSnapshot(): OrderStoreSnapshot {
    return { version: 1, lastSeq: this.seq, orders: [...this.byId.values()] };
  }

  static fromSnapshot(snapshot: OrderStoreSnapshot): OrderStore {
    if (snapshot.version !== 1)
      throw new VelozError('SNAPSHOT_VERSION', `unknown snapshot version ${snapshot.version}`);
    const store = new OrderStore();
    for (const order of snapshot.orders) {
      store.byId.set(order.clientOrderId, order);
      if (OPEN_STATUSES.has(order.status)) store.openCount++;
    }
    store.seq = snapshot.lastSeq;
    return store;
  }
}
