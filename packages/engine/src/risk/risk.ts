import Big from 'big.js';
import { z } from 'zod';
import { cmp, isDecimal, mul, type Decimal } from '../domain/decimal';
import type { OrderRequest } from '../domain/order';
import type { Clock } from '../plugins/context';

/** Why pre-trade risk refused an order. */
export type RiskCode =
  | 'MAX_QUANTITY'
  | 'MAX_NOTIONAL'
  | 'PRICE_BAND'
  | 'NO_REFERENCE_PRICE'
  | 'MAX_OPEN_ORDERS'
  | 'RATE_LIMIT'
  | 'DUPLICATE_CLIENT_ORDER_ID'
  | 'UNKNOWN_SYMBOL';

export type RiskResult = { ok: true } | { ok: false; code: RiskCode; reason: string };

/** Limits that can differ per symbol. Absent: the rule is off. */
export interface SymbolRiskLimits {
  /** Largest order quantity, in base units. */
  maxQuantity?: Decimal;
  /** Largest order notional (price x quantity; MARKET orders use the last price), in quote units. */
  maxNotional?: Decimal;
  /**
   * Largest distance of a LIMIT price from the last price, in basis points (100 = 1%). When on, an
   * order with no last price for its symbol is refused (NO_REFERENCE_PRICE). 0 disables it.
   */
  priceBandBps?: number;
}

/** Pre-trade limits of one engine. Validated with `riskLimitsSchema` (defaults applied). */
export interface RiskLimits extends SymbolRiskLimits {
  /** Open orders (PENDING_NEW, NEW, PARTIALLY_FILLED, PENDING_CANCEL) allowed at once. */
  maxOpenOrders: number;
  /** Orders accepted by risk per second (sliding 1 s window). */
  maxOrdersPerSecond: number;
  /** Per-symbol overrides of the symbol limits, by symbol. */
  perSymbol: Record<string, SymbolRiskLimits>;
}

const decimalLimit = z.string().refine((s) => isDecimal(s) && new Big(s).gt(0), {
  error: 'must be a positive decimal string',
});
const symbolLimitsSchema = z.object({
  maxQuantity: decimalLimit.optional(),
  maxNotional: decimalLimit.optional(),
  priceBandBps: z.number().int().min(0).max(100_000).optional(),
});

/** Defaults: 1000 open orders, 100 orders/s, a 10% price band, no quantity or notional cap. */
export const riskLimitsSchema = symbolLimitsSchema.extend({
  maxOpenOrders: z.number().int().positive().default(1000),
  maxOrdersPerSecond: z.number().int().positive().default(100),
  priceBandBps: z.number().int().min(0).max(100_000).default(1000),
  perSymbol: z.record(z.string(), symbolLimitsSchema).default({}),
});

export type RiskLimitsInput = z.input<typeof riskLimitsSchema>;

/** Validate limits and apply defaults. Throws a zod error naming the bad field. */
export function parseRiskLimits(input: RiskLimitsInput = {}): RiskLimits {
  return riskLimitsSchema.parse(input) as RiskLimits;
}

/** What risk needs to know beyond the request; gathered by the engine. */
export interface RiskContext {
  /** Last price of the order's symbol at its venue, when one was seen. */
  lastPrice?: Decimal;
  /** Open orders now. */
  openOrders: number;
  /** Orders accepted by risk within the last second (see createRateWindow). */
  recentOrders: number;
  /** True when the client order id is already in the book or in flight. */
  duplicate: boolean;
  /** The venue's symbols; undefined when unknown (the check is skipped). */
  symbols?: ReadonlySet<string>;
}

function limitsFor(limits: RiskLimits, symbol: string): SymbolRiskLimits {
  const o = limits.perSymbol[symbol];
  return {
    maxQuantity: o?.maxQuantity ?? limits.maxQuantity,
    maxNotional: o?.maxNotional ?? limits.maxNotional,
    priceBandBps: o?.priceBandBps ?? limits.priceBandBps,
  };
}

const no = (code: RiskCode, reason: string): RiskResult => ({ ok: false, code, reason });

/**
 * Pure pre-trade checks, first failure wins, in this order: duplicate id, unknown symbol, rate,
 * quantity, price band, notional, open orders.
 */
export function checkRisk(request: OrderRequest, context: RiskContext, limits: RiskLimits): RiskResult {
  const { symbol, clientOrderId } = request;
  if (context.duplicate)
    return no('DUPLICATE_CLIENT_ORDER_ID', `client order id ${clientOrderId} was already used`);
  if (context.symbols && !context.symbols.has(symbol))
    return no('UNKNOWN_SYMBOL', `symbol ${symbol} is not traded on venue ${request.venue}`);
  if (context.recentOrders >= limits.maxOrdersPerSecond)
    return no(
      'RATE_LIMIT',
      `rate limit: ${context.recentOrders} orders in the last second, max ${limits.maxOrdersPerSecond}`,
    );

  const l = limitsFor(limits, symbol);
  if (l.maxQuantity !== undefined && cmp(request.quantity, l.maxQuantity) > 0)
    return no('MAX_QUANTITY', `quantity ${request.quantity} exceeds max ${l.maxQuantity} for ${symbol}`);

  const band = l.priceBandBps ?? 0;
  if (band > 0) {
    if (context.lastPrice === undefined)
      return no('NO_REFERENCE_PRICE', `no last price for ${symbol} to check the price band against`);
    if (request.price !== undefined) {
      const last = new Big(context.lastPrice);
      const distanceBps = new Big(request.price).minus(last).abs().times(10_000).div(last);
      if (distanceBps.gt(band))
        return no(
          'PRICE_BAND',
          `price ${request.price} is ${distanceBps.round(1).toFixed()} bps from last ${context.lastPrice} for ${symbol}, max ${band} bps`,
        );
    }
  }

  if (l.maxNotional !== undefined) {
    const price = request.price ?? context.lastPrice;
    if (price === undefined)
      return no('NO_REFERENCE_PRICE', `no last price for ${symbol} to value the MARKET order`);
    const notional = mul(price, request.quantity);
    if (cmp(notional, l.maxNotional) > 0)
      return no('MAX_NOTIONAL', `notional ${notional} exceeds max ${l.maxNotional} for ${symbol}`);
  }

  if (context.openOrders >= limits.maxOpenOrders)
    return no('MAX_OPEN_ORDERS', `${context.openOrders} open orders, max ${limits.maxOpenOrders}`);
  return { ok: true };
}

/** Sliding-window counter of events (orders accepted by risk), on an injectable clock. */
export interface RateWindow {
  /** Events within the window ending now. */
  count(): number;
  /** Record one event now. */
  record(): void;
}

export function createRateWindow(clock: Clock, windowMs = 1_000): RateWindow {
  const times: number[] = [];
  let head = 0;
  const evict = () => {
    const cutoff = clock.now() - windowMs;
    while (head < times.length && times[head]! <= cutoff) head++;
    if (head > 1024 && head * 2 > times.length) {
      times.splice(0, head);
      head = 0;
    }
  };
  return {
    count() {
      evict();
      return times.length - head;
    },
    record() {
      times.push(clock.now());
    },
  };
}
