/**
 * Every GraphQL operation the PWA sends, in one place, aligned with the API schema
 * (packages/api/src/schema/*.ts). The result types below describe what each operation selects.
 */
import { gql, type TypedDocumentNode } from '@urql/core';
import type { PlaceOrderInput } from '../lib/order-form';

// ---------------------------------------------------------------------------------------------- types

/** `Venue`: a venue connection as the engine last reported it. */
export interface VenueStatus {
  name: string;
  state: string;
  reconnectCount: number;
  lastError?: string | null;
  lastConnectedAt?: number | null;
}

/** The engine's last recovery (the heartbeat's `recovery` JSON). */
export interface RecoveryInfo {
  durationMs?: number;
  entriesApplied?: number;
  entriesSkipped?: number;
  snapshotSeq?: number | null;
  lastSeq?: number;
}

/** `Engine`: the engine as its heartbeat shows it; `connected` is true while the heartbeat is fresh. */
export interface EngineStatus {
  connected: boolean;
  state?: string | null;
  epoch?: number | null;
  /** Epoch ms. */
  startedAt?: number | null;
  /** Epoch ms of the last heartbeat seen. */
  lastHeartbeatAt?: number | null;
  walSeq?: number | null;
  openOrders?: number | null;
  recovery?: RecoveryInfo | null;
  venues: VenueStatus[];
}

/**
 * The part of a `KpiSnapshot` the dashboard selects (`KPI_POINT_FIELDS`): order counters are totals
 * since the engine started; latencies in ms over the engine's sliding window (null: no acks in it).
 */
export interface KpiSnapshotPoint {
  /** Epoch ms of the sample. */
  at: number;
  engineUp: boolean;
  orders: { submitted: number; filled: number; rejected: number };
  ackLatency: { p50Ms: number | null; p99Ms: number | null };
}

export interface OrderSummary {
  clientOrderId: string;
  venue: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: 'LIMIT' | 'MARKET';
  timeInForce: string;
  quantity: string;
  price?: string | null;
  status: string;
  filledQuantity: string;
  averageFillPrice?: string | null;
  rejectReason?: string | null;
  venueOrderId?: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface OrderEventView {
  seq: number;
  type: string;
  ts: number;
  source?: string | null;
  reason?: string | null;
  fill?: { fillId: string; quantity: string; price: string } | null;
}

export interface OrderDetail extends OrderSummary {
  events: OrderEventView[];
}

/** A finding's order view (the `before`/`after` JSON of the reconciler). */
export interface FindingOrderView {
  status?: string;
  quantity?: string;
  filledQuantity?: string;
  price?: string | null;
}

export interface Finding {
  kind: string;
  severity: string;
  venue: string;
  clientOrderId: string;
  detail: string;
  action: string;
  resolution: string;
  resolutionReason?: string | null;
  before?: FindingOrderView | null;
  after?: FindingOrderView | null;
}

export interface ReconciliationReport {
  id: string;
  reason: string;
  status: string;
  error?: string | null;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  orphaned: number;
  missing: number;
  statusMismatches: number;
  fillMismatches: number;
  corrected: number;
  unresolved: number;
  findings: Finding[];
}

/** Any member of a mutation's result union that is not the success: they implement `Error`. */
export interface MutationFailure {
  __typename: string;
  code?: string | null;
  message?: string | null;
  reason?: string | null;
  field?: string | null;
}

type Result<Success extends string, Payload> = ({ __typename: Success } & Payload) | MutationFailure;
export type PlaceOrderResult = Result<'PlaceOrderSuccess', { order: OrderSummary; existing: boolean }>;
export type CancelOrderResult = Result<'CancelOrderSuccess', { order: OrderSummary }>;
export type RunReconciliationResult = Result<
  'RunReconciliationSuccess',
  { message: string; report: ReconciliationReport | null }
>;

/** The `orders` filters (all optional). */
export interface OrderFilter {
  status?: string[];
  symbol?: string;
  side?: string;
  venue?: string;
}

// ------------------------------------------------------------------------------------------ fragments

const ENGINE_FIELDS = gql`
  fragment EngineFields on Engine {
    connected
    state
    epoch
    startedAt
    lastHeartbeatAt
    walSeq
    openOrders
    recovery
    venues {
      name
      state
      reconnectCount
      lastError
      lastConnectedAt
    }
  }
`;

const ORDER_FIELDS = gql`
  fragment OrderFields on Order {
    clientOrderId
    venue
    symbol
    side
    type
    timeInForce
    quantity
    price
    status
    filledQuantity
    averageFillPrice
    rejectReason
    venueOrderId
    createdAt
    updatedAt
  }
`;

const REPORT_FIELDS = gql`
  fragment ReportFields on ReconciliationReport {
    id
    reason
    status
    error
    startedAt
    finishedAt
    durationMs
    orphaned
    missing
    statusMismatches
    fillMismatches
    corrected
    unresolved
    findings {
      kind
      severity
      venue
      clientOrderId
      detail
      action
      resolution
      resolutionReason
      before
      after
    }
  }
`;

const ERROR_FIELDS = gql`
  fragment ErrorFields on Error {
    code
    message
    ... on ValidationError {
      field
    }
    ... on RejectedError {
      reason
    }
  }
`;

// ---------------------------------------------------------------------------------------- operations

/** Cheapest authenticated read: sign-in uses it to check a token. */
export const SignInCheckQuery: TypedDocumentNode<{ engine: { connected: boolean } }> = gql`
  query SignInCheck {
    engine {
      connected
    }
  }
`;

export const EngineQuery: TypedDocumentNode<{ engine: EngineStatus }> = gql`
  query Engine {
    engine {
      ...EngineFields
    }
  }
  ${ENGINE_FIELDS}
`;

/** The engine now, then at every heartbeat or connectivity change. */
export const EngineStatusSubscription: TypedDocumentNode<{ engineStatus: EngineStatus }> = gql`
  subscription EngineStatusStream {
    engineStatus {
      ...EngineFields
    }
  }
  ${ENGINE_FIELDS}
`;

const KPI_POINT_FIELDS = gql`
  fragment KpiPointFields on KpiSnapshot {
    at
    engineUp
    orders {
      submitted
      filled
      rejected
    }
    ackLatency {
      p50Ms
      p99Ms
    }
  }
`;

/** KPI snapshots of the last `window` (1m, 5m, 15m, 1h), oldest first, at most `points`: the sparklines' start. */
export const KpiHistoryQuery: TypedDocumentNode<
  { kpiHistory: KpiSnapshotPoint[] },
  { window: string; points: number }
> = gql`
  query KpiHistory($window: String!, $points: Int!) {
    kpiHistory(window: $window, points: $points) {
      ...KpiPointFields
    }
  }
  ${KPI_POINT_FIELDS}
`;

/** The KPI snapshot every `intervalMs` (engine down: `engineUp` false, last known counters). */
export const KpisSubscription: TypedDocumentNode<{ kpis: KpiSnapshotPoint }, { intervalMs: number }> = gql`
  subscription KpisStream($intervalMs: Int!) {
    kpis(intervalMs: $intervalMs) {
      ...KpiPointFields
    }
  }
  ${KPI_POINT_FIELDS}
`;

export const OrdersQuery: TypedDocumentNode<
  {
    orders: {
      edges: Array<{ cursor: string; node: OrderSummary }>;
      pageInfo: { hasNextPage: boolean; endCursor?: string | null };
      totalCount: number;
    };
  },
  OrderFilter & { first: number; after?: string | null }
> = gql`
  query Orders(
    $status: [OrderStatus!]
    $symbol: String
    $side: Side
    $venue: String
    $first: Int
    $after: String
  ) {
    orders(status: $status, symbol: $symbol, side: $side, venue: $venue, first: $first, after: $after) {
      edges {
        cursor
        node {
          ...OrderFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
  ${ORDER_FIELDS}
`;

export const OrderQuery: TypedDocumentNode<{ order: OrderDetail | null }, { clientOrderId: string }> = gql`
  query Order($clientOrderId: String!) {
    order(clientOrderId: $clientOrderId) {
      ...OrderFields
      events {
        seq
        type
        ts
        source
        reason
        fill {
          fillId
          quantity
          price
        }
      }
    }
  }
  ${ORDER_FIELDS}
`;

/** New order events (optionally of one order), each with the order right after it. */
export const OrderEventsSubscription: TypedDocumentNode<
  { orderEvents: { seq: number; type: string; clientOrderId: string; order: OrderSummary } },
  { after?: number | null; clientOrderId?: string | null }
> = gql`
  subscription OrderEventsStream($after: Int, $clientOrderId: String) {
    orderEvents(after: $after, clientOrderId: $clientOrderId) {
      seq
      type
      clientOrderId
      order {
        ...OrderFields
      }
    }
  }
  ${ORDER_FIELDS}
`;

export const PlaceOrderMutation: TypedDocumentNode<
  { placeOrder: PlaceOrderResult },
  { input: PlaceOrderInput }
> = gql`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      __typename
      ... on PlaceOrderSuccess {
        existing
        order {
          ...OrderFields
        }
      }
      ...ErrorFields
    }
  }
  ${ORDER_FIELDS}
  ${ERROR_FIELDS}
`;

export const CancelOrderMutation: TypedDocumentNode<
  { cancelOrder: CancelOrderResult },
  { clientOrderId: string }
> = gql`
  mutation CancelOrder($clientOrderId: String!) {
    cancelOrder(clientOrderId: $clientOrderId) {
      __typename
      ... on CancelOrderSuccess {
        order {
          ...OrderFields
        }
      }
      ...ErrorFields
    }
  }
  ${ORDER_FIELDS}
  ${ERROR_FIELDS}
`;

export const ReconciliationReportsQuery: TypedDocumentNode<
  { reconciliationReports: ReconciliationReport[] },
  { limit: number }
> = gql`
  query ReconciliationReports($limit: Int!) {
    reconciliationReports(limit: $limit) {
      ...ReportFields
    }
  }
  ${REPORT_FIELDS}
`;

/** Each new reconciliation report as it is stored. */
export const ReconciliationEventsSubscription: TypedDocumentNode<{ reconciliationEvents: { id: string } }> =
  gql`
    subscription ReconciliationEventsStream {
      reconciliationEvents {
        id
      }
    }
  `;

export const RunReconciliationMutation: TypedDocumentNode<{ runReconciliation: RunReconciliationResult }> =
  gql`
    mutation RunReconciliation {
      runReconciliation {
        __typename
        ... on RunReconciliationSuccess {
          message
          report {
            ...ReportFields
          }
        }
        ...ErrorFields
      }
    }
    ${REPORT_FIELDS}
    ${ERROR_FIELDS}
  `;

/** A human sentence for a mutation's typed failure: the server's reason or message, as it gave it. */
export function failureMessage(result: MutationFailure): string {
  const text = result.reason ?? result.message;
  if (text) return result.field && !text.includes(result.field) ? `${text} (${result.field})` : text;
  switch (result.__typename) {
    case 'ForbiddenError':
      return 'Your token may not do this (operator role required)';
    case 'EngineUnavailableError':
      return 'The engine did not answer in time; the command stays queued';
    case 'NotFoundError':
      return 'Not found';
    default:
      return `Rejected (${result.code ?? result.__typename})`;
  }
}

/** True when a mutation result is the success member of its union. */
export const isSuccess = <T extends { __typename: string }>(r: T): boolean =>
  r.__typename.endsWith('Success');
