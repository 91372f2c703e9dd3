import { OrderValidationError } from '../errors';
import { dec, isDecimal, isPositive, type Decimal } from './decimal';
import type { OrderRequest } from './order';

/** Client order ids: 1-64 characters of [A-Za-z0-9_-]. */
export const CLIENT_ORDER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Account, venue and symbol ids: up to 32 characters, starting alphanumeric, then [A-Za-z0-9._:/-]. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/;

// A decimal as a client may write it ("1.50", "0.1"): no sign, no exponent, bounded length.
const LOOSE_DECIMAL_RE = /^\d{1,30}(?:\.\d{1,30})?$/;

// Hand-written rather than a zod schema: this runs for every order in the API and again in the engine,
// and zod cost ~20-40 µs a call. It must give exactly what the former zod 4 schema gave (kept as the
// oracle of the differential test in validation.test.ts): fields are checked in the schema's order and
// the first bad one is reported (zod's first issue), the cross-field rules only once every field passed.

function bad(field: string, message: string): never {
  throw new OrderValidationError(message, field);
}

function positiveDecimal(value: unknown, field: string): Decimal {
  // zod 4's z.number() rejects NaN and ±Infinity, so those fail the type check, not a finiteness one.
  if (typeof value === 'string') {
    if (!LOOSE_DECIMAL_RE.test(value))
      bad(field, `${field} must be a plain positive decimal, got "${value.slice(0, 40)}"`);
  } else if (typeof value !== 'number' || !Number.isFinite(value)) {
    bad(field, `${field} must be a decimal string or number`);
  }
  let canonical: Decimal;
  try {
    canonical = dec(value);
  } catch {
    return bad(field, `${field} is not a decimal`);
  }
  if (!isDecimal(canonical))
    bad(
      field,
      `${field} ${String(canonical).slice(0, 40)} has too many digits (max 30 integer, 18 fractional)`,
    );
  if (!isPositive(canonical)) bad(field, `${field} must be positive, got ${canonical}`);
  return canonical;
}

function name(value: unknown, field: string): string {
  if (typeof value !== 'string') bad(field, `${field} is required`);
  if (!NAME_RE.test(value))
    bad(field, `${field} must be 1-32 characters of [A-Za-z0-9._:/-] starting with a letter or digit`);
  return value;
}

/**
 * Validate and canonicalise an order request from any source (GraphQL, command stream, tests).
 * Unknown fields are dropped; decimals become canonical strings (`dec`); a missing `timeInForce`
 * defaults to GTC for LIMIT and IOC for MARKET. Throws OrderValidationError naming the first bad field.
 * Whether the symbol exists is not checked here (that needs the venue's instruments; see risk).
 */
export function validateOrderRequest(input: unknown): OrderRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new OrderValidationError('order request must be an object', '(root)');
  const o = input as Record<string, unknown>;

  const clientOrderId = o.clientOrderId;
  if (typeof clientOrderId !== 'string') bad('clientOrderId', 'clientOrderId is required');
  if (!CLIENT_ORDER_ID_RE.test(clientOrderId))
    bad('clientOrderId', 'clientOrderId must be 1-64 characters of [A-Za-z0-9_-]');
  const account = name(o.account, 'account');
  const venue = name(o.venue, 'venue');
  const symbol = name(o.symbol, 'symbol');
  const side = o.side;
  if (side !== 'BUY' && side !== 'SELL') bad('side', 'side must be BUY or SELL');
  const type = o.type;
  if (type !== 'LIMIT' && type !== 'MARKET') bad('type', 'type must be LIMIT or MARKET');
  const timeInForce = o.timeInForce;
  if (timeInForce !== undefined && timeInForce !== 'GTC' && timeInForce !== 'IOC' && timeInForce !== 'FOK')
    bad('timeInForce', 'timeInForce must be GTC, IOC or FOK');
  const quantity = positiveDecimal(o.quantity, 'quantity');
  const rawPrice = o.price;
  const price = rawPrice === undefined || rawPrice === null ? undefined : positiveDecimal(rawPrice, 'price');

  if (type === 'LIMIT' && price === undefined) bad('price', 'price is required for a LIMIT order');
  if (type === 'MARKET' && price !== undefined) bad('price', 'price must be absent for a MARKET order');
  if (type === 'MARKET' && timeInForce === 'GTC')
    bad('timeInForce', 'a MARKET order must be IOC or FOK, not GTC');

  const request: OrderRequest = {
    clientOrderId,
    account,
    venue,
    symbol,
    side,
    type,
    timeInForce: timeInForce ?? (type === 'MARKET' ? 'IOC' : 'GTC'),
    quantity,
  };
  if (price !== undefined) request.price = price;
  return request;
}
