import { VelozError } from '../errors';
import type { OrderStatus } from './order';

/**
 * What happens to an order, as the state machine sees it. Fills are split by their effect: a fill that
 * completes the quantity is FILL, any other is PARTIAL_FILL.
 */
export type OrderTrigger =
  | 'SUBMIT'
  | 'ACCEPT'
  | 'REJECT'
  | 'PARTIAL_FILL'
  | 'FILL'
  | 'CANCEL_REQUEST'
  | 'CANCEL_REJECT'
  | 'CANCEL'
  | 'EXPIRE';

/** The status an order has before it exists. */
export const INITIAL = 'INITIAL' as const;
export type StateOrInitial = OrderStatus | typeof INITIAL;

/** A target that depends on whether the order already has fills (a cancel that fails returns to where it was). */
export interface ByFills {
  unfilled: OrderStatus;
  partiallyFilled: OrderStatus;
}

type Table = Record<StateOrInitial, Partial<Record<OrderTrigger, OrderStatus | ByFills>>>;

const backToOpen: ByFills = { unfilled: 'NEW', partiallyFilled: 'PARTIALLY_FILLED' };

/**
 * The order state machine, as data. Anything not listed is illegal.
 *
 * Real-world paths kept on purpose: a fill may arrive before the venue's ack (PENDING_NEW → *FILLED),
 * and after a cancel or expiry was acknowledged (the late fill: CANCELED/EXPIRED → FILLED when it
 * completes the order, otherwise the status stays and the fill is still booked).
 */
export const TRANSITIONS: Readonly<Table> = {
  INITIAL: { SUBMIT: 'PENDING_NEW', REJECT: 'REJECTED' },
  PENDING_NEW: {
    ACCEPT: 'NEW',
    REJECT: 'REJECTED',
    PARTIAL_FILL: 'PARTIALLY_FILLED',
    FILL: 'FILLED',
    CANCEL_REQUEST: 'PENDING_CANCEL',
    CANCEL: 'CANCELED',
    EXPIRE: 'EXPIRED',
  },
  NEW: {
    PARTIAL_FILL: 'PARTIALLY_FILLED',
    FILL: 'FILLED',
    CANCEL_REQUEST: 'PENDING_CANCEL',
    CANCEL: 'CANCELED',
    EXPIRE: 'EXPIRED',
  },
  PARTIALLY_FILLED: {
    PARTIAL_FILL: 'PARTIALLY_FILLED',
    FILL: 'FILLED',
    CANCEL_REQUEST: 'PENDING_CANCEL',
    CANCEL: 'CANCELED',
    EXPIRE: 'EXPIRED',
  },
  PENDING_CANCEL: {
    // The venue may ack the order while our cancel is in flight; the order stays PENDING_CANCEL.
    ACCEPT: 'PENDING_CANCEL',
    PARTIAL_FILL: 'PENDING_CANCEL',
    FILL: 'FILLED',
    CANCEL: 'CANCELED',
    CANCEL_REJECT: backToOpen,
    EXPIRE: 'EXPIRED',
    REJECT: 'REJECTED',
  },
  FILLED: {},
  REJECTED: {},
  CANCELED: { PARTIAL_FILL: 'CANCELED', FILL: 'FILLED' },
  EXPIRED: { PARTIAL_FILL: 'EXPIRED', FILL: 'FILLED' },
};

/** An event that the state machine does not allow from the order's current status. */
export class IllegalTransitionError extends VelozError {
  constructor(
    readonly from: StateOrInitial,
    readonly trigger: OrderTrigger,
    readonly clientOrderId?: string,
  ) {
    super(
      'ILLEGAL_TRANSITION',
      `illegal order transition: ${trigger} from ${from}${clientOrderId ? ` (order ${clientOrderId})` : ''}`,
    );
  }
}

/**
 * The one place an order's status changes. Returns the next status or throws IllegalTransitionError.
 * `hasFills` only matters for targets that depend on it (CANCEL_REJECT).
 */
export function transition(
  from: StateOrInitial,
  trigger: OrderTrigger,
  hasFills = false,
  clientOrderId?: string,
): OrderStatus {
  const to = TRANSITIONS[from][trigger];
  if (to === undefined) throw new IllegalTransitionError(from, trigger, clientOrderId);
  if (typeof to === 'string') return to;
  return hasFills ? to.partiallyFilled : to.unfilled;
}

/** True when `trigger` is legal from `from` (no throw). */
export function canTransition(from: StateOrInitial, trigger: OrderTrigger): boolean {
  return TRANSITIONS[from][trigger] !== undefined;
}
