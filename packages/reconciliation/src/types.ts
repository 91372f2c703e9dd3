import type { Decimal, Fill, OrderEvent, OrderStatus, OrderType, Side, TimeInForce } from '@veloz/engine';

/**
 * What can disagree between the OMS and a venue.
 * - ORPHANED: the venue has an open order the OMS does not know.
 * - MISSING: the OMS thinks an order is open, the venue does not list it among its open orders.
 * - STATUS_MISMATCH: both know the order, with the same fills, but disagree on its status.
 * - FILL_MISMATCH: both know the order but disagree on the filled quantity or the average price.
 */
export type FindingKind = 'ORPHANED' | 'MISSING' | 'STATUS_MISMATCH' | 'FILL_MISMATCH';

export const FINDING_KINDS: readonly FindingKind[] = [
  'ORPHANED',
  'MISSING',
  'STATUS_MISMATCH',
  'FILL_MISMATCH',
];

/**
 * How bad a finding is. `critical`: exposure the OMS does not see (unknown order, missed fills, an order
 * working that the OMS thinks final). `warning`: the book is stale but no exposure is hidden (a cancel or
 * expiry the OMS missed). `info`: a missed acknowledgement.
 */
export type Severity = 'info' | 'warning' | 'critical';

/** The fields of an order that reconciliation compares, as one side (OMS or venue) sees them. */
export interface OrderView {
  status: OrderStatus;
  venueOrderId?: string;
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: Decimal;
  price?: Decimal;
  filledQuantity: Decimal;
  averageFillPrice?: Decimal;
  /** Epoch ms of this side's last change to the order. */
  updatedAt: number;
}

/** One disagreement between the OMS and a venue. Plain data: safe to store and to send. */
export interface Finding {
  kind: FindingKind;
  severity: Severity;
  /** Venue id ("sim"). */
  venue: string;
  clientOrderId: string;
  venueOrderId?: string;
  /** The OMS's view; null when the OMS does not know the order (ORPHANED). */
  before: OrderView | null;
  /**
   * The venue's view: from its open orders or, for MISSING, from the status lookup; null when the venue
   * says it never saw the order or it was not looked up.
   */
  after: OrderView | null;
  /** MISSING only: the venue answered the status lookup that it never saw the order. */
  venueNeverSaw?: boolean;
  /** Venue fills (by fill id) that the OMS has not booked, when the venue's fill history was available. */
  venueFills?: Fill[];
  /** One human sentence: what disagrees. */
  detail: string;
}

/** Per-kind handling. Every kind can be set to `report` (record only, change nothing). */
export interface ReconciliationPolicy {
  /** `adopt`: journal the venue's order into the OMS; `cancel`: cancel it at the venue. Default `report`. */
  ORPHANED: 'report' | 'adopt' | 'cancel';
  /** `resolve`: journal the venue's final status (and fills) found by the status lookup. Default `resolve`. */
  MISSING: 'report' | 'resolve';
  /** `apply`: journal the venue's status when the state machine allows it. Default `apply`. */
  STATUS_MISMATCH: 'report' | 'apply';
  /** `apply`: journal the venue fills the OMS missed. Default `apply`. */
  FILL_MISMATCH: 'report' | 'apply';
}

export const DEFAULT_POLICY: Readonly<ReconciliationPolicy> = {
  ORPHANED: 'report',
  MISSING: 'resolve',
  STATUS_MISMATCH: 'apply',
  FILL_MISMATCH: 'apply',
};

/** What to do about one finding. */
export type Correction =
  | {
      action: 'journal';
      finding: Finding;
      /** Order events to append to the WAL, in order; every one has `source: 'reconciliation'`. */
      events: OrderEvent[];
      /** The OMS's view of the order once the events are applied (checked with the OrderStore reducer). */
      expected: OrderView;
    }
  | { action: 'cancel-at-venue'; finding: Finding }
  | {
      action: 'report';
      finding: Finding;
      /** Why nothing is changed: the policy, or why no legal correction exists. */
      reason: string;
    };
