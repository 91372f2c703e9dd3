import { z } from 'zod';
import { OrderValidationError } from '../errors';
import { dec, isDecimal, isPositive, type Decimal } from './decimal';
import type { OrderRequest } from './order';

/** Client order ids: 1-64 characters of [A-Za-z0-9_-]. */
export const CLIENT_ORDER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Account, venue and symbol ids: up to 32 characters, starting alphanumeric, then [A-Za-z0-9._:/-]. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/;

// A decimal as a client may write it ("1.50", "0.1"): no sign, no exponent, bounded length.
const LOOSE_DECIMAL_RE = /^\d{1,30}(?:\.\d{1,30})?$/;

function positiveDecimal(field: string) {
  return z
    .union([z.string(), z.number()], { error: `${field} must be a decimal string or number` })
    .transform((value, ctx): Decimal => {
      const bad = (message: string) => {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      };
      if (typeof value === 'number' && !Number.isFinite(value)) return bad(`${field} must be finite`);
      if (typeof value === 'string' && !LOOSE_DECIMAL_RE.test(value))
        return bad(`${field} must be a plain positive decimal, got "${String(value).slice(0, 40)}"`);
      let canonical: Decimal;
      try {
        canonical = dec(value);
      } catch {
        return bad(`${field} is not a decimal`);
      }
      if (!isDecimal(canonical))
        return bad(
          `${field} ${String(canonical).slice(0, 40)} has too many digits (max 30 integer, 18 fractional)`,
        );
      if (!isPositive(canonical)) return bad(`${field} must be positive, got ${canonical}`);
      return canonical;
    });
}

const name = (field: string) =>
  z.string({ error: `${field} is required` }).regex(NAME_RE, {
    error: `${field} must be 1-32 characters of [A-Za-z0-9._:/-] starting with a letter or digit`,
  });

const orderRequestSchema = z
  .object({
    clientOrderId: z
      .string({ error: 'clientOrderId is required' })
      .regex(CLIENT_ORDER_ID_RE, { error: 'clientOrderId must be 1-64 characters of [A-Za-z0-9_-]' }),
    account: name('account'),
    venue: name('venue'),
    symbol: name('symbol'),
    side: z.enum(['BUY', 'SELL'], { error: 'side must be BUY or SELL' }),
    type: z.enum(['LIMIT', 'MARKET'], { error: 'type must be LIMIT or MARKET' }),
    timeInForce: z.enum(['GTC', 'IOC', 'FOK'], { error: 'timeInForce must be GTC, IOC or FOK' }).optional(),
    quantity: positiveDecimal('quantity'),
    price: positiveDecimal('price').optional().nullable(),
  })
  .superRefine((o, ctx) => {
    if (o.type === 'LIMIT' && (o.price === undefined || o.price === null))
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'price is required for a LIMIT order' });
    if (o.type === 'MARKET' && o.price !== undefined && o.price !== null)
      ctx.addIssue({ code: 'custom', path: ['price'], message: 'price must be absent for a MARKET order' });
    if (o.type === 'MARKET' && o.timeInForce === 'GTC')
      ctx.addIssue({
        code: 'custom',
        path: ['timeInForce'],
        message: 'a MARKET order must be IOC or FOK, not GTC',
      });
  });

/**
 * Validate and canonicalise an order request from any source (GraphQL, command stream, tests).
 * Unknown fields are dropped; decimals become canonical strings (`dec`); a missing `timeInForce`
 * defaults to GTC for LIMIT and IOC for MARKET. Throws OrderValidationError naming the first bad field.
 * Whether the symbol exists is not checked here (that needs the venue's instruments; see risk).
 */
export function validateOrderRequest(input: unknown): OrderRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new OrderValidationError('order request must be an object', '(root)');
  const parsed = orderRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    throw new OrderValidationError(issue.message, field);
  }
  const o = parsed.data;
  const request: OrderRequest = {
    clientOrderId: o.clientOrderId,
    account: o.account,
    venue: o.venue,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    timeInForce: o.timeInForce ?? (o.type === 'MARKET' ? 'IOC' : 'GTC'),
    quantity: o.quantity,
  };
  if (o.price !== undefined && o.price !== null) request.price = o.price;
  return request;
}
