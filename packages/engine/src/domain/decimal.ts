import Big from 'big.js';

/**
 * Decimal numbers (quantities, prices, notionals) are carried as canonical decimal strings
 * ("0.015", "27350.5") and computed with big.js, so fills never drift the way binary floats do.
 * Strings survive JSON, msgpack and GraphQL unchanged.
 */
export type Decimal = string;

// Decimal places kept when a division cannot be exact (average fill price). 18 is more than any venue's
// tick; results are rounded half-even so replays are bit-for-bit repeatable.
const DIVISION_PLACES = 18;
Big.DP = DIVISION_PLACES;
Big.RM = Big.roundHalfEven;

const DECIMAL_RE = /^-?(?:0|[1-9]\d{0,29})(?:\.\d{1,18})?$/;

/** True when `s` is a plain decimal literal (no exponent, no leading zeros, at most 18 places). */
export function isDecimal(s: unknown): s is Decimal {
  return typeof s === 'string' && DECIMAL_RE.test(s);
}

/** Canonical form: no trailing zeros, no "-0". Throws RangeError on anything that is not a decimal. */
export function dec(value: string | number): Decimal {
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new RangeError(`not a finite number: ${value}`);
  let b: Big;
  try {
    b = new Big(value);
  } catch (cause) {
    throw new RangeError(`not a decimal: ${String(value)}`, { cause });
  }
  const s = b.toFixed();
  return s === '-0' ? '0' : s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

export const ZERO: Decimal = '0';

export function add(a: Decimal, b: Decimal): Decimal {
  return dec(new Big(a).plus(b).toFixed());
}
export function sub(a: Decimal, b: Decimal): Decimal {
  return dec(new Big(a).minus(b).toFixed());
}
export function mul(a: Decimal, b: Decimal): Decimal {
  return dec(new Big(a).times(b).toFixed());
}
/** a / b rounded half-even to 18 places. Throws on division by zero. */
export function div(a: Decimal, b: Decimal): Decimal {
  return dec(new Big(a).div(b).toFixed());
}
/** -1, 0 or 1. */
export function cmp(a: Decimal, b: Decimal): -1 | 0 | 1 {
  return new Big(a).cmp(b) as -1 | 0 | 1;
}
export function isPositive(a: Decimal): boolean {
  return new Big(a).gt(0);
}
export function min(a: Decimal, b: Decimal): Decimal {
  return cmp(a, b) <= 0 ? a : b;
}
/** Float for display and metrics only; never feed the result back into order arithmetic. */
export function toNumber(a: Decimal): number {
  return Number(a);
}
