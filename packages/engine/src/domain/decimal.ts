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

// Fast paths: plain decimal strings ("-12.5", "0.001", "42") are computed as scaled BigInts, which is
// exact and gives the same canonical strings as big.js (checked against it in decimal.test.ts). Anything
// else (exponents, "+1", ".5", numbers) goes through big.js as before.
const PLAIN_RE = /^-?\d+(?:\.\d+)?$/;
const CANONICAL_RE = /^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/;
const TEN = 10n;
const POW10: bigint[] = [1n];
const pow10 = (n: number): bigint => {
  while (POW10.length <= n) POW10.push(POW10[POW10.length - 1]! * TEN);
  return POW10[n]!;
};

/** Digits after the point of a plain decimal string. */
const scaleOf = (s: string): number => {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
};

/** A plain decimal string as an integer scaled by 10^scale (scale >= its own number of places). */
function scaled(s: string, scale: number): bigint {
  const dot = s.indexOf('.');
  if (dot < 0) return scale === 0 ? BigInt(s) : BigInt(s) * pow10(scale);
  const digits = s.slice(0, dot) + s.slice(dot + 1);
  const own = s.length - dot - 1;
  return own === scale ? BigInt(digits) : BigInt(digits) * pow10(scale - own);
}

/** Canonical string of n / 10^scale (no trailing zeros, no "-0"). */
function fromScaled(n: bigint, scale: number): Decimal {
  if (n === 0n) return '0';
  const neg = n < 0n;
  let digits = (neg ? -n : n).toString();
  if (scale > 0) {
    // Strip trailing zeros of the fraction before placing the point.
    let end = digits.length;
    let s = scale;
    while (s > 0 && digits.charCodeAt(end - 1) === 48) {
      end--;
      s--;
    }
    digits = digits.slice(0, end);
    if (s > 0) {
      if (digits.length <= s) digits = '0.' + '0'.repeat(s - digits.length) + digits;
      else digits = digits.slice(0, digits.length - s) + '.' + digits.slice(digits.length - s);
    }
  }
  return neg ? '-' + digits : digits;
}

/** `s` itself when it is already canonical, else its canonical form. */
const canonical = (s: string): Decimal => (CANONICAL_RE.test(s) && s !== '-0' ? s : dec(s));

/**
 * True when `s` is already what `dec` would return and has at most 18 places: dividing a multiple of it
 * by the multiplier (`div(mul(s, q), q)`) gives `s` itself.
 */
export function isCanonicalDecimal(s: unknown): s is Decimal {
  return typeof s === 'string' && s !== '-0' && CANONICAL_RE.test(s) && scaleOf(s) <= DIVISION_PLACES;
}

export function add(a: Decimal, b: Decimal): Decimal {
  if (typeof a === 'string' && typeof b === 'string') {
    if (a === '0' && PLAIN_RE.test(b)) return canonical(b);
    if (b === '0' && PLAIN_RE.test(a)) return canonical(a);
    if (PLAIN_RE.test(a) && PLAIN_RE.test(b)) {
      const s = Math.max(scaleOf(a), scaleOf(b));
      return fromScaled(scaled(a, s) + scaled(b, s), s);
    }
  }
  return dec(new Big(a).plus(b).toFixed());
}
export function sub(a: Decimal, b: Decimal): Decimal {
  if (typeof a === 'string' && typeof b === 'string' && PLAIN_RE.test(a) && PLAIN_RE.test(b)) {
    const s = Math.max(scaleOf(a), scaleOf(b));
    return fromScaled(scaled(a, s) - scaled(b, s), s);
  }
  return dec(new Big(a).minus(b).toFixed());
}
export function mul(a: Decimal, b: Decimal): Decimal {
  if (typeof a === 'string' && typeof b === 'string' && PLAIN_RE.test(a) && PLAIN_RE.test(b)) {
    const sa = scaleOf(a);
    const sb = scaleOf(b);
    return fromScaled(scaled(a, sa) * scaled(b, sb), sa + sb);
  }
  return dec(new Big(a).times(b).toFixed());
}
/** a / b rounded half-even to 18 places. Throws on division by zero. */
export function div(a: Decimal, b: Decimal): Decimal {
  if (typeof a === 'string' && typeof b === 'string' && PLAIN_RE.test(a) && PLAIN_RE.test(b)) {
    const sa = scaleOf(a);
    const sb = scaleOf(b);
    const den0 = scaled(b, sb);
    if (den0 !== 0n) {
      // a/b = A·10^-sa / (B·10^-sb); scaled by 10^18: A·10^(sb+18) / (B·10^sa), rounded half-even.
      let num = scaled(a, sa) * pow10(sb + DIVISION_PLACES);
      let den = den0 * pow10(sa);
      const neg = num < 0n !== den < 0n;
      if (num < 0n) num = -num;
      if (den < 0n) den = -den;
      let q = num / den;
      const r2 = (num % den) * 2n;
      if (r2 > den || (r2 === den && q % 2n === 1n)) q += 1n;
      return fromScaled(neg ? -q : q, DIVISION_PLACES);
    }
  }
  return dec(new Big(a).div(b).toFixed());
}
/** -1, 0 or 1. */
export function cmp(a: Decimal, b: Decimal): -1 | 0 | 1 {
  if (typeof a === 'string' && typeof b === 'string' && PLAIN_RE.test(a) && PLAIN_RE.test(b)) {
    if (a === b) return 0;
    const s = Math.max(scaleOf(a), scaleOf(b));
    const x = scaled(a, s);
    const y = scaled(b, s);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return new Big(a).cmp(b) as -1 | 0 | 1;
}
export function isPositive(a: Decimal): boolean {
  if (typeof a === 'string') {
    if (a === '0') return false;
    if (PLAIN_RE.test(a)) return a.charCodeAt(0) !== 45 && /[1-9]/.test(a);
  }
  return new Big(a).gt(0);
}
export function min(a: Decimal, b: Decimal): Decimal {
  return cmp(a, b) <= 0 ? a : b;
}
/** Float for display and metrics only; never feed the result back into order arithmetic. */
export function toNumber(a: Decimal): number {
  return Number(a);
}
