import type { OrderEvent, OrderEventType } from '../domain/order';
import type { WalEntry, WalEntryInput } from '../plugins/storage';

/** Schema version of order-event payloads in the WAL. Bump when OrderEvent changes shape. */
export const ORDER_EVENT_VERSION = 1;

export const ORDER_EVENT_TYPES: ReadonlySet<OrderEventType> = new Set<OrderEventType>([
  'ORDER_SUBMITTED',
  'ORDER_ACCEPTED',
  'ORDER_REJECTED',
  'ORDER_FILLED',
  'CANCEL_REQUESTED',
  'CANCEL_REJECTED',
  'ORDER_CANCELED',
  'ORDER_EXPIRED',
]);

/** The WAL entry that journals an order event: the entry type is the event type, the payload the event. */
export function orderEventEntry(event: OrderEvent): WalEntryInput {
  return { type: event.type, version: ORDER_EVENT_VERSION, payload: event };
}

/** True when a WAL entry carries an order event this build understands. */
export function isOrderEventEntry(entry: WalEntry): entry is WalEntry & { payload: OrderEvent } {
  return (
    ORDER_EVENT_TYPES.has(entry.type as OrderEventType) &&
    entry.version === ORDER_EVENT_VERSION &&
    typeof entry.payload === 'object' &&
    entry.payload !== null &&
    (entry.payload as { type?: unknown }).type === entry.type
  );
}
