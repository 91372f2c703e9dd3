import { add, cmp, div, isCanonicalDecimal, isPositive, mul, ZERO } from '../domain/decimal';
import type { Fill, Order, OrderEvent, OrderRequest, OrderStatus } from '../domain/order';
import { isOpenStatus as isOpen, OPEN_STATUSES } from '../domain/order';
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

/** One string object per distinct value of the fields that repeat across orders (bounded). */
const interned = new Map<string, string>();
const INTERN_CAP = 10_000;
function intern(s: string): string;
function intern(s: string | undefined): string | undefined;
function intern(s: string | undefined): string | undefined {
  if (s === undefined) return s;
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size < INTERN_CAP) interned.set(s, s);
  return s;
}

/** The fills of an order that has none: shared, never mutated (the reducer copies before adding). */
const NO_FILLS: Fill[] = Object.freeze([]) as unknown as Fill[];

/**
 * The fields of a new order's request with the repeating ones interned: a book of many orders keeps one
 * "BTC-USD" instead of one per order (less memory, and replay's garbage collector copies less).
 * Only the fields `nextOrder` reads.
 */
function internedRequest(r: OrderRequest): OrderRequest {
  const out: OrderRequest = {
    clientOrderId: r.clientOrderId,
    account: intern(r.account),
    venue: intern(r.venue),
    symbol: intern(r.symbol),
    side: r.side === 'BUY' ? 'BUY' : r.side === 'SELL' ? 'SELL' : r.side,
    type: r.type === 'LIMIT' ? 'LIMIT' : r.type === 'MARKET' ? 'MARKET' : r.type,
    timeInForce: intern(r.timeInForce) as OrderRequest['timeInForce'],
    quantity: intern(r.quantity),
  };
  if (r.price !== undefined) out.price = intern(r.price);
  return out;
}

/**
 * The next version of an order: an explicit literal (same key order, hence the same hidden class, for
 * every order with the same optional fields) instead of object spreads, which dominated replay.
 * Optional fields are added only when defined, as the spreads did.
 */
function nextOrder(
  src: Order | OrderRequest,
  status: OrderStatus,
  filledQuantity: string,
  fills: Fill[],
  createdAt: number,
  updatedAt: number,
  seq: number,
  venueOrderId: string | undefined,
  averageFillPrice: string | undefined,
  rejectReason: string | undefined,
): Order {
  const price = src.price;
  // One literal per usual combination of the optional fields (LIMIT orders: price; accepted: venue order
  // id; filled: average price), in the same key order as adding them one by one: a property added after
  // the literal goes to a separate out-of-object array (one more object per order for the scavenger to
  // copy, and a slower access path), so the common shapes are built whole. Applying 1M events of the
  // bench mix: 1.04-1.47 s → 0.91-1.22 s (2026-11-27). The key order is held by order-store.test.ts.
  const shape =
    (price !== undefined ? 1 : 0) |
    (venueOrderId !== undefined ? 2 : 0) |
    (averageFillPrice !== undefined ? 4 : 0);
  let next: Order;
  switch (shape) {
    case 1:
      next = {
        clientOrderId: src.clientOrderId,
        account: src.account,
        venue: src.venue,
        symbol: src.symbol,
        side: src.side,
        type: src.type,
        timeInForce: src.timeInForce,
        quantity: src.quantity,
        status,
        filledQuantity,
        fills,
        createdAt,
        updatedAt,
        seq,
        price,
      };
      break;
    case 3:
      next = {
        clientOrderId: src.clientOrderId,
        account: src.account,
        venue: src.venue,
        symbol: src.symbol,
        side: src.side,
        type: src.type,
        timeInForce: src.timeInForce,
        quantity: src.quantity,
        status,
        filledQuantity,
        fills,
        createdAt,
        updatedAt,
        seq,
        price,
        venueOrderId,
      };
      break;
    case 7:
      next = {
        clientOrderId: src.clientOrderId,
        account: src.account,
        venue: src.venue,
        symbol: src.symbol,
        side: src.side,
        type: src.type,
        timeInForce: src.timeInForce,
        quantity: src.quantity,
        status,
        filledQuantity,
        fills,
        createdAt,
        updatedAt,
        seq,
        price,
        venueOrderId,
        averageFillPrice,
      };
      break;
    default:
      next = {
        clientOrderId: src.clientOrderId,
        account: src.account,
        venue: src.venue,
        symbol: src.symbol,
        side: src.side,
        type: src.type,
        timeInForce: src.timeInForce,
        quantity: src.quantity,
        status,
        filledQuantity,
        fills,
        createdAt,
        updatedAt,
        seq,
      };
      if (price !== undefined) next.price = price;
      if (venueOrderId !== undefined) next.venueOrderId = venueOrderId;
      if (averageFillPrice !== undefined) next.averageFillPrice = averageFillPrice;
  }
  if (rejectReason !== undefined) next.rejectReason = rejectReason;
  return next;
}

/**
 * Give every order shape's numeric fields V8's most general number representation before the first real
 * order exists. V8 gives a field the representation of the values it first holds: small integers (Smi)
 * first, and on the first number that is not one (a fraction, a boxed number, anything past 2^31) it
 * moves the field to Double by *deprecating* the shape: every object already built on it is then
 * migrated to the new shape, one at a time, the next time it is touched. `seq` did that at restarts: a
 * book restored from a snapshot or built by live appends held small-integer sequences, the WAL tail's
 * sequences arrive boxed (decoded into a Float64Array and carried in a double field), and the restored
 * orders were migrated one by one on their first event (`JSObject::MigrateToMap` in a `perf` profile).
 * Settling the shapes up front took fresh-process recovery of the bench book (100,000 orders + 100,000
 * tail entries) from 1.04-1.47 s to 0.84-1.13 s (alternating A/B, three rounds of three, 2026-11-28).
 * One throwaway order of each shape with fractional numbers, and a `fills` holding both the shared empty
 * array and a real one, settle the fields at once. The snapshot decoder (storage-redis `order-table.ts`)
 * builds the same literals, so it shares these shapes; its `order-shapes.test.ts` checks that a restored
 * order keeps the reducer's shape when sequences past 2^31 arrive (it fails without this).
 */
function primeOrderShapes(): void {
  const request: OrderRequest = {
    clientOrderId: '',
    account: '',
    venue: '',
    symbol: '',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '0',
  };
  const priced: OrderRequest = { ...request, price: '0' };
  const fills: Fill[] = [{ fillId: '', quantity: '0', price: '0', timestamp: 0.5 }];
  for (let shape = 0; shape < 32; shape++) {
    nextOrder(
      shape & 1 ? priced : request,
      'NEW',
      ZERO,
      shape & 16 ? fills : NO_FILLS,
      0.5,
      0.5,
      0.5,
      shape & 2 ? '' : undefined,
      shape & 4 ? '0' : undefined,
      shape & 8 ? '' : undefined,
    );
  }
}
primeOrderShapes();

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
    const request = event.order!;
    const rejected = event.type === 'ORDER_REJECTED';
    const status = transition('INITIAL', rejected ? 'REJECT' : 'SUBMIT', false, id);
    return nextOrder(
      internedRequest(request),
      status,
      ZERO,
      NO_FILLS,
      event.ts,
      event.ts,
      seq,
      (request as Partial<Order>).venueOrderId,
      (request as Partial<Order>).averageFillPrice,
      rejected ? event.reason : (request as Partial<Order>).rejectReason,
    );
  }
  if (!order) throw new OrderEventError('ORDER_UNKNOWN', `no order ${id} for ${event.type}`, id);

  let venueOrderId = order.venueOrderId;
  let rejectReason = order.rejectReason;
  switch (event.type) {
    case 'ORDER_FILLED': {
      const { fill } = event;
      const fills = order.fills;
      for (let i = 0; i < fills.length; i++) if (fills[i]!.fillId === fill.fillId) return order;
      const filled = add(order.filledQuantity, fill.quantity);
      const c = cmp(filled, order.quantity);
      const status = transition(
        order.status,
        c === 0 ? 'FILL' : 'PARTIAL_FILL',
        isPositive(order.filledQuantity),
        id,
      );
      if (c > 0) {
        throw new OrderEventError(
          'OVERFILL',
          `fill ${fill.fillId} of ${fill.quantity} overfills order ${id} (${order.filledQuantity}/${order.quantity})`,
          id,
        );
      }
      // Notional from the fills themselves (exact), divided once: re-deriving it from the rounded
      // average would drift by 1e-18 per fill.
      let average: string;
      if (fills.length === 0 && isCanonicalDecimal(fill.price)) {
        // The first fill's own price is the average (what the division below gives for it).
        average = fill.price;
      } else {
        let notional = mul(fill.price, fill.quantity);
        for (let i = 0; i < fills.length; i++)
          notional = add(notional, mul(fills[i]!.price, fills[i]!.quantity));
        average = div(notional, filled);
      }
      const nextFills = fills.slice();
      // The fill as the book keeps it: its repeating strings interned, like the order's.
      nextFills.push({
        fillId: fill.fillId,
        quantity: intern(fill.quantity),
        price: intern(fill.price),
        timestamp: fill.timestamp,
      });
      if (event.venueOrderId && !venueOrderId) venueOrderId = event.venueOrderId;
      return nextOrder(
        order,
        status,
        c === 0 ? order.quantity : filled, // fully filled: keep the (interned) quantity string
        nextFills,
        order.createdAt,
        event.ts,
        seq,
        venueOrderId,
        average,
        rejectReason,
      );
    }
    case 'ORDER_ACCEPTED':
      venueOrderId = event.venueOrderId;
      break;
    case 'ORDER_REJECTED':
    case 'CANCEL_REJECTED':
      rejectReason = event.reason;
      break;
    default:
      break;
  }
  const status: OrderStatus = transition(
    order.status,
    triggerOf(order, event),
    isPositive(order.filledQuantity),
    id,
  );
  return nextOrder(
    order,
    status,
    order.filledQuantity,
    order.fills,
    order.createdAt,
    event.ts,
    seq,
    venueOrderId,
    order.averageFillPrice,
    rejectReason,
  );
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
      if (before === undefined) {
        if (isOpen(after.status)) this.openCount++;
      } else if (before.status !== after.status) {
        this.openCount += (isOpen(after.status) ? 1 : 0) - (isOpen(before.status) ? 1 : 0);
      }
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
