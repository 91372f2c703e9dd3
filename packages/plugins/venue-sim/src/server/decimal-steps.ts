import { cmp, dec, div, mul, type Decimal } from '@veloz/engine';

/** True when `value` is a whole multiple of `step` (both positive decimals). */
export function isMultipleOf(value: Decimal, step: Decimal): boolean {
  return !div(value, step).includes('.');
}

/** The largest multiple of `step` that is <= `value` (both non-negative decimals). */
export function floorToStep(value: Decimal, step: Decimal): Decimal {
  const units = div(value, step);
  const whole = units.split('.')[0] ?? '0';
  return dec(mul(whole, step));
}

/** The larger of `a` and `b`. */
export function maxDec(a: Decimal, b: Decimal): Decimal {
  return cmp(a, b) >= 0 ? a : b;
}
