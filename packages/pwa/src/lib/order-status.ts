/** Every order status, in the order the filter lists them. */
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

const OPEN = new Set(['PENDING_NEW', 'NEW', 'PARTIALLY_FILLED']);

/** True when an operator may still ask to cancel the order. */
export const isCancelable = (status: string): boolean => OPEN.has(status);

/** A colour class for a status chip. */
export function statusTone(status: string): 'ok' | 'warn' | 'bad' | 'none' {
  if (status === 'FILLED') return 'ok';
  if (status === 'REJECTED' || status === 'EXPIRED') return 'bad';
  if (status === 'CANCELED') return 'none';
  return 'warn';
}

/** "PARTIALLY_FILLED" → "Partially filled". */
export const statusLabel = (status: string): string =>
  status.charAt(0) + status.slice(1).toLowerCase().replace(/_/g, ' ');
