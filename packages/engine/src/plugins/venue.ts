import type { Observable } from 'rxjs';
import type { Decimal } from '../domain/decimal';
import type { Fill, OrderRequest, OrderStatus, OrderType, Side, TimeInForce } from '../domain/order';
import { VelozError } from '../errors';
import type { Plugin } from './context';

/** Connection to a venue, as operators see it. */
export type ConnectionState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED' | 'RECONNECTING';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Times the connection was lost and re-established since start (a first connect is not counted). */
  reconnectCount: number;
  /** Epoch ms of the last time the state became CONNECTED. */
  lastConnectedAt?: number;
  /** Message of the last connection failure, never containing credentials. */
  lastError?: string;
}

/** Trading rules of one instrument, used to reject before sending. */
export interface InstrumentSpec {
  symbol: string;
  /** Smallest quantity increment. */
  quantityStep: Decimal;
  /** Smallest price increment. */
  tickSize: Decimal;
  minQuantity: Decimal;
  /** Minimum notional (price x quantity) when the venue enforces one. */
  minNotional?: Decimal;
}

/** The venue's view of one order, as returned by open orders and order status queries. */
export interface VenueOrderReport {
  clientOrderId: string;
  venueOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: Decimal;
  price?: Decimal;
  filledQuantity: Decimal;
  averageFillPrice?: Decimal;
  status: OrderStatus;
  /** Epoch ms of the venue's last change to this order. */
  updatedAt: number;
}

/** An asynchronous update about an order, pushed by the venue. */
export type ExecutionReport =
  | { kind: 'ACCEPTED'; clientOrderId: string; venueOrderId: string; ts: number }
  | { kind: 'REJECTED'; clientOrderId: string; reason: string; ts: number }
  | { kind: 'FILL'; clientOrderId: string; venueOrderId: string; fill: Fill; ts: number }
  | { kind: 'CANCELED'; clientOrderId: string; venueOrderId: string; ts: number; reason?: string }
  | { kind: 'EXPIRED'; clientOrderId: string; venueOrderId: string; ts: number };

/** A price update. */
export interface MarketTick {
  symbol: string;
  /** Last traded (or mid) price. */
  price: Decimal;
  bid?: Decimal;
  ask?: Decimal;
  /** Epoch ms at the venue. */
  ts: number;
}

/** The venue's synchronous answer to an order submission. */
export type SubmitResult =
  | { status: 'ACCEPTED'; venueOrderId: string; report?: VenueOrderReport }
  | { status: 'REJECTED'; reason: string; code: VenueErrorCode };

export type VenueErrorCode =
  | 'REJECTED'
  | 'INSUFFICIENT_FUNDS'
  | 'INVALID_PRICE'
  | 'INVALID_QUANTITY'
  | 'UNKNOWN_SYMBOL'
  | 'RATE_LIMITED'
  | 'NOT_FOUND'
  | 'NETWORK'
  | 'UNAVAILABLE'
  | 'UNKNOWN';

/**
 * A venue call that failed. `NETWORK`/`UNAVAILABLE` mean the outcome is unknown (the order may or may
 * not exist at the venue): callers keep the order PENDING_NEW and resolve it with `orderStatus`.
 */
export class VenueError extends VelozError {
  constructor(
    readonly venueCode: VenueErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`VENUE_${venueCode}`, message, options);
  }
  /** True when the call may have taken effect at the venue. */
  get outcomeUnknown(): boolean {
    return this.venueCode === 'NETWORK' || this.venueCode === 'UNAVAILABLE';
  }
}

/**
 * A venue plugin: one exchange (or simulator) behind a small, uniform contract. Factories create them:
 * `createSimVenue(config): VenuePlugin`. All calls may be made only between `start` and `stop`.
 */
export interface VenuePlugin extends Plugin {
  /** Venue id used in `OrderRequest.venue`, e.g. "sim". `name` is "venue:" + id. */
  readonly venue: string;

  /**
   * Connection state; emits the current status on subscribe, then every change. Completes on `stop`.
   * The plugin reconnects by itself (exponential backoff with jitter) and counts reconnects.
   */
  readonly connection$: Observable<ConnectionStatus>;
  /** The current connection status (same value connection$ last emitted). */
  connectionStatus(): ConnectionStatus;

  /** Order updates pushed by the venue, in the venue's order. Hot; completes on `stop`. */
  readonly executions$: Observable<ExecutionReport>;
  /** Price updates for the configured symbols. Hot; completes on `stop`. */
  readonly marketData$: Observable<MarketTick>;

  /** Instruments this venue trades, with their rules. */
  instruments(): Promise<InstrumentSpec[]>;

  /**
   * Send a new order. Resolves ACCEPTED with the venue's order id, or REJECTED with the venue's reason.
   * Rejects with VenueError; when `outcomeUnknown` the order may exist at the venue.
   * Idempotent by clientOrderId where the venue allows it (a resend returns the existing order).
   */
  submitOrder(order: OrderRequest): Promise<SubmitResult>;

  /**
   * Ask the venue to cancel. Resolves once the venue accepted the request (the CANCELED execution report
   * follows or came before). Rejects with VenueError NOT_FOUND when the order is unknown or already final.
   */
  cancelOrder(ref: { clientOrderId: string; symbol: string; venueOrderId?: string }): Promise<void>;

  /** The venue's open orders (all symbols when `symbol` is absent). */
  openOrders(symbol?: string): Promise<VenueOrderReport[]>;

  /** One order's status by client order id; `undefined` when the venue never saw it. */
  orderStatus(clientOrderId: string, symbol: string): Promise<VenueOrderReport | undefined>;

  /** Fills since `sinceMs` (epoch ms), oldest first, for reconciliation of missed executions. */
  recentFills(
    sinceMs: number,
    symbol?: string,
  ): Promise<(Fill & { clientOrderId: string; venueOrderId: string })[]>;
}
