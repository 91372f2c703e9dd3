import { createHash } from 'node:crypto';
import type { Order } from '@veloz/engine';

/** JSON with object keys sorted and undefined members dropped: equal states give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Digest of a book: every order, by client order id. */
export function bookDigest(orders: Iterable<Order>): string {
  const sorted = [...orders].sort((a, b) => (a.clientOrderId < b.clientOrderId ? -1 : 1));
  return createHash('sha256').update(stableStringify(sorted)).digest('hex');
}
