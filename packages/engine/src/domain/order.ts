import type { Decimal } from './decimal';

export type Side = 'BUY' | 'SELL';
export type OrderType = 'LIMIT' | 'MARKET';
/** GTC rests until filled or canceled; IOC fills what it can at once and expires the rest; FOK fills whole or expires. */
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

export const ORDER_STATUSES = [
  'PENDING_NEW',
  'NEW',
  'PARTIALLY_FILLED',
  'PENDING_CANCEL',
  'FILLED',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Statuses in which an order can still trade at the venue. */
export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'PENDING_NEW',
  'NEW',
  'PARTIALLY_FILLED',
  'PENDING_CANCEL',
]);

/** `OPEN_STATUSES.has(status)` without a hash lookup (the OrderStore runs it for every event it applies). */
export function isOpenStatus(status: OrderStatus): boolean {
  switch (status) {
    case 'PENDING_NEW':
    case 'NEW':
    case 'PARTIALLY_FILLED':
    case 'PENDING_CANCEL':
      return true;
    default:
      return false;
  }
}

/** What a client asks for. Validated by `validateOrderRequest` before anything else sees it. */
export interface OrderRequest {
  /** Client order id: 1-64 chars of [A-Za-z0-9_-]; unique per account, makes retries idempotent. */
  clientOrderId: string;
  /** Trading account this order belongs to (one engine per account). */
  account: string;
  /** Venue id, e.g. "sim" (the plugin named "venue:sim"). */
  venue: string;
  /** Instrument symbol as the venue lists it, e.g. "BTC-USD". */
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  /** Positive decimal, in base units. */
  quantity: Decimal;
  /** Limit price in quote units; required for LIMIT, absent for MARKET. */
  price?: Decimal;
}

/** One execution against an order. `fillId` is the venue's trade id: the reducer applies each id once. */
export interface Fill {
  fillId: string;
  quantity: Decimal;
  price: Decimal;
  /** Epoch milliseconds at the venue. */
  timestamp: number;
}

/** The order of record. Only the OrderStore reducer creates or changes one. */
export interface Order extends OrderRequest {
  venueOrderId?: string;
  status: OrderStatus;
  filledQuantity: Decimal;
  /** Volume-weighted average of the fills; absent until the first fill. */
  averageFillPrice?: Decimal;
  rejectReason?: string;
  fills: Fill[];
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  /** WAL sequence of the last event applied to this order (0 when not journaled). */
  seq: number;
}

/** Who caused an event: the engine itself, the venue's report, or a reconciliation correction. */
export type EventSource = 'engine' | 'venue' | 'reconciliation';

interface EventBase {
  clientOrderId: string;
  /** Epoch milliseconds when the event happened. */
  ts: number;
  source?: EventSource;
}

/**
 * Everything that can happen to an order. These are the WAL's order entries; folding them with the
 * OrderStore reducer rebuilds the book exactly.
 */
export type OrderEvent =
  | (EventBase & { type: 'ORDER_SUBMITTED'; order: OrderRequest })
  | (EventBase & { type: 'ORDER_ACCEPTED'; venueOrderId: string })
  /** `order` is present when the rejection came before the order existed (pre-trade risk). */
  | (EventBase & { type: 'ORDER_REJECTED'; reason: string; order?: OrderRequest })
  | (EventBase & { type: 'ORDER_FILLED'; fill: Fill; venueOrderId?: string })
  | (EventBase & { type: 'CANCEL_REQUESTED' })
  | (EventBase & { type: 'CANCEL_REJECTED'; reason: string })
  | (EventBase & { type: 'ORDER_CANCELED'; reason?: string })
  | (EventBase & { type: 'ORDER_EXPIRED' });

export type OrderEventType = OrderEvent['type'];
