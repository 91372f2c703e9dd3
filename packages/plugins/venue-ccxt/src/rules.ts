import {
  cmp,
  dec,
  div,
  mul,
  type Decimal,
  type InstrumentSpec,
  type OrderRequest,
  type VenueErrorCode,
} from '@veloz/engine';
import type { MarketInterface } from 'ccxt';

// ccxt precision modes (ccxt/js/src/base/functions/number.js).
const DECIMAL_PLACES = 2;
const TICK_SIZE = 4;

/** An instrument's trading rules from ccxt's `markets`, as decimals. Absent fields are not enforced. */
export interface MarketRules {
  symbol: string;
  amountStep?: Decimal;
  priceTick?: Decimal;
  minAmount?: Decimal;
  maxAmount?: Decimal;
  /** Minimum notional (price x amount) in quote units. */
  minCost?: Decimal;
  minPrice?: Decimal;
  maxPrice?: Decimal;
}

function num(n: number | undefined): Decimal | undefined {
  return n === undefined || n === null || !Number.isFinite(n) || n <= 0
    ? undefined
    : dec(Number(n).toPrecision(15));
}

function step(p: number | undefined, precisionMode: number): Decimal | undefined {
  if (p === undefined || p === null) return undefined;
  if (precisionMode === TICK_SIZE) return num(p);
  if (precisionMode === DECIMAL_PLACES && Number.isInteger(p) && p >= 0 && p <= 18) {
    return p === 0 ? '1' : dec(`0.${'0'.repeat(p - 1)}1`);
  }
  // SIGNIFICANT_DIGITS has no fixed step: the exchange enforces it.
  return undefined;
}

/** Read the rules of one ccxt market. `precisionMode` is the exchange's `precisionMode`. */
export function marketRules(market: MarketInterface, precisionMode: number): MarketRules {
  const rules: MarketRules = { symbol: market.symbol };
  const set = <K extends keyof MarketRules>(k: K, v: MarketRules[K] | undefined) => {
    if (v !== undefined) rules[k] = v;
  };
  set('amountStep', step(market.precision?.amount, precisionMode));
  set('priceTick', step(market.precision?.price, precisionMode));
  set('minAmount', num(market.limits?.amount?.min));
  set('maxAmount', num(market.limits?.amount?.max));
  set('minCost', num(market.limits?.cost?.min));
  set('minPrice', num(market.limits?.price?.min));
  set('maxPrice', num(market.limits?.price?.max));
  return rules;
}

/** The engine's view of the rules. */
export function toInstrumentSpec(rules: MarketRules): InstrumentSpec {
  const quantityStep = rules.amountStep ?? rules.minAmount ?? '0.00000001';
  const spec: InstrumentSpec = {
    symbol: rules.symbol,
    quantityStep,
    tickSize: rules.priceTick ?? '0.00000001',
    minQuantity: rules.minAmount ?? quantityStep,
  };
  if (rules.minCost !== undefined) spec.minNotional = rules.minCost;
  return spec;
}

function isMultiple(value: Decimal, unit: Decimal): boolean {
  return !div(value, unit).includes('.');
}

/** Why an order breaks the market's rules, or undefined when it does not. */
export interface RuleViolation {
  code: VenueErrorCode;
  reason: string;
}

/**
 * Check an order against the market's precision and limits before anything is sent. Never rounds: an
 * order the exchange would have to alter is rejected. `referencePrice` (last price) lets a MARKET order's
 * notional be checked; without it only the quantity rules apply.
 */
export function checkOrder(
  order: Pick<OrderRequest, 'type' | 'quantity' | 'price'>,
  rules: MarketRules,
  referencePrice?: Decimal,
): RuleViolation | undefined {
  const q = order.quantity;
  if (rules.amountStep && !isMultiple(q, rules.amountStep)) {
    return {
      code: 'INVALID_QUANTITY',
      reason: `quantity ${q} is not a multiple of the step ${rules.amountStep}`,
    };
  }
  if (rules.minAmount && cmp(q, rules.minAmount) < 0) {
    return { code: 'INVALID_QUANTITY', reason: `quantity ${q} is below the minimum ${rules.minAmount}` };
  }
  if (rules.maxAmount && cmp(q, rules.maxAmount) > 0) {
    return { code: 'INVALID_QUANTITY', reason: `quantity ${q} is above the maximum ${rules.maxAmount}` };
  }
  let price: Decimal | undefined;
  if (order.type === 'LIMIT') {
    if (order.price === undefined) return { code: 'INVALID_PRICE', reason: 'a LIMIT order needs a price' };
    price = order.price;
    if (rules.priceTick && !isMultiple(price, rules.priceTick)) {
      return {
        code: 'INVALID_PRICE',
        reason: `price ${price} is not a multiple of the tick ${rules.priceTick}`,
      };
    }
    if (rules.minPrice && cmp(price, rules.minPrice) < 0) {
      return { code: 'INVALID_PRICE', reason: `price ${price} is below the minimum ${rules.minPrice}` };
    }
    if (rules.maxPrice && cmp(price, rules.maxPrice) > 0) {
      return { code: 'INVALID_PRICE', reason: `price ${price} is above the maximum ${rules.maxPrice}` };
    }
  } else {
    price = referencePrice;
  }
  if (rules.minCost && price !== undefined) {
    const notional = mul(q, price);
    if (cmp(notional, rules.minCost) < 0) {
      return {
        code: 'INVALID_QUANTITY',
        reason: `notional ${notional} (quantity x price) is below the minimum ${rules.minCost}`,
      };
    }
  }
  return undefined;
}
