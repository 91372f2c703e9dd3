/**
 * The place-order form's model and its validation (pure). Mirrors the engine's `validateOrderRequest`
 * rules so that most mistakes are caught on the phone; the server stays the authority and its
 * rejection reason is shown as it comes.
 */

export type Side = 'BUY' | 'SELL';
export type OrderType = 'LIMIT' | 'MARKET';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';

/** What the form holds: every field as the operator typed it. */
export interface OrderFormValues {
  clientOrderId: string;
  venue: string;
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: string;
  price: string;
}

/** The input sent with `placeOrder` (decimals stay strings). */
export interface PlaceOrderInput {
  clientOrderId: string;
  venue: string;
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: string;
  price?: string;
}

export type OrderFormErrors = Partial<Record<keyof OrderFormValues, string>>;

/** Client order ids: 1-64 characters of [A-Za-z0-9_-] (same rule as the engine). */
export const CLIENT_ORDER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Venue and symbol ids: up to 32 characters, starting alphanumeric, then [A-Za-z0-9._:/-]. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/;
// At most 30 integer and 18 fractional digits, as the engine's canonical decimals allow.
const DECIMAL_RE = /^\d{1,30}(?:\.\d{1,18})?$/;

/** A fresh client order id: `pwa-` then time and randomness in base 36. */
export function newClientOrderId(now = Date.now(), random = Math.random): string {
  return `pwa-${now.toString(36)}-${Math.floor(random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0')}`;
}

/** Defaults for a new order: a GTC limit buy on the simulated venue. */
export function emptyOrderForm(clientOrderId = newClientOrderId()): OrderFormValues {
  return {
    clientOrderId,
    venue: 'sim',
    symbol: 'BTC-USD',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '',
    price: '',
  };
}

function positiveDecimal(label: string, raw: string): string | undefined {
  const v = raw.trim();
  if (v === '') return `${label} is required`;
  if (!DECIMAL_RE.test(v)) return `${label} must be a plain decimal like 1.5 (at most 18 decimals)`;
  if (!/[1-9]/.test(v)) return `${label} must be greater than zero`;
  return undefined;
}

/** Every problem with the form, by field; empty when it can be sent. */
export function validateOrderForm(f: OrderFormValues): OrderFormErrors {
  const errors: OrderFormErrors = {};
  if (!CLIENT_ORDER_ID_RE.test(f.clientOrderId.trim()))
    errors.clientOrderId = 'Client order id must be 1-64 letters, digits, _ or -';
  if (!NAME_RE.test(f.venue.trim())) errors.venue = 'Venue is required (letters, digits, . _ : / -)';
  if (!NAME_RE.test(f.symbol.trim())) errors.symbol = 'Symbol is required, e.g. BTC-USD';
  const qty = positiveDecimal('Quantity', f.quantity);
  if (qty) errors.quantity = qty;
  if (f.type === 'LIMIT') {
    const price = positiveDecimal('Price', f.price);
    if (price) errors.price = price;
  } else {
    if (f.price.trim() !== '') errors.price = 'A market order has no price';
    if (f.timeInForce === 'GTC') errors.timeInForce = 'A market order must be IOC or FOK';
  }
  return errors;
}

/** The `placeOrder` input of a valid form (trimmed; no price for MARKET). */
export function toPlaceOrderInput(f: OrderFormValues): PlaceOrderInput {
  const input: PlaceOrderInput = {
    clientOrderId: f.clientOrderId.trim(),
    venue: f.venue.trim(),
    symbol: f.symbol.trim(),
    side: f.side,
    type: f.type,
    timeInForce: f.timeInForce,
    quantity: f.quantity.trim(),
  };
  if (f.type === 'LIMIT') input.price = f.price.trim();
  return input;
}
