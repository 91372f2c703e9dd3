import Big from 'big.js';
import { describe, expect, it } from 'vitest';
import { add, cmp, dec, div, isCanonicalDecimal, isPositive, mul, sub } from './decimal';

// The scaled-BigInt fast paths must give exactly what big.js gives (DP 18, half-even).
const viaBig = {
  add: (a: string, b: string) => dec(new Big(a).plus(b).toFixed()),
  sub: (a: string, b: string) => dec(new Big(a).minus(b).toFixed()),
  mul: (a: string, b: string) => dec(new Big(a).times(b).toFixed()),
  div: (a: string, b: string) => dec(new Big(a).div(b).toFixed()),
  cmp: (a: string, b: string) => new Big(a).cmp(b),
};

// Seeded, so a failure replays.
let state = 12345;
const rnd = (n: number) => {
  state = (state * 1103515245 + 12345) % 2147483648;
  return state % n;
};
function randomDecimal(): string {
  const int = rnd(4) === 0 ? '0' : String(rnd(10 ** (1 + rnd(8))));
  const places = rnd(4) === 0 ? 0 : 1 + rnd(18);
  let frac = '';
  for (let i = 0; i < places; i++) frac += String(rnd(10));
  const sign = rnd(5) === 0 ? '-' : '';
  return `${sign}${int}${places ? `.${frac}` : ''}`;
}

describe('decimal fast paths', () => {
  it('agree with big.js on 5,000 random pairs (including trailing zeros and negatives)', () => {
    for (let i = 0; i < 5_000; i++) {
      const a = randomDecimal();
      const b = randomDecimal();
      expect(add(a, b)).toBe(viaBig.add(a, b));
      expect(sub(a, b)).toBe(viaBig.sub(a, b));
      expect(mul(a, b)).toBe(viaBig.mul(a, b));
      expect(cmp(a, b)).toBe(viaBig.cmp(a, b));
      if (new Big(b).eq(0)) expect(() => div(a, b)).toThrow();
      else expect(div(a, b)).toBe(viaBig.div(a, b));
      expect(isPositive(a)).toBe(new Big(a).gt(0));
    }
    // ~1 s alone; CI runs every package's tests at once on 2 cores.
  }, 60_000);

  it('rounds divisions half-even at 18 places, both signs', () => {
    expect(div('1', '3')).toBe('0.333333333333333333');
    expect(div('2', '3')).toBe('0.666666666666666667');
    expect(div('-2', '3')).toBe('-0.666666666666666667');
    // exactly half at the 19th place: to even
    expect(div('0.0000000000000000005', '1')).toBe('0');
    expect(div('0.0000000000000000015', '1')).toBe('0.000000000000000002');
    expect(div('-0.0000000000000000005', '1')).toBe('0');
    expect(div('60.14', '0.6')).toBe('100.233333333333333333');
  });

  it('returns canonical strings: no trailing zeros, no -0', () => {
    expect(add('0', '1.500')).toBe('1.5');
    expect(add('1.25', '-1.25')).toBe('0');
    expect(sub('0.10', '0.1')).toBe('0');
    expect(mul('-0', '5')).toBe('0');
    expect(add('007.50', '0')).toBe('7.5');
    expect(cmp('1.0', '1')).toBe(0);
    expect(isPositive('0.000')).toBe(false);
    expect(isPositive('-0.1')).toBe(false);
    expect(isPositive('0.01')).toBe(true);
  });

  it('falls back to big.js for other forms', () => {
    expect(add('1e3', '1')).toBe('1001');
    expect(mul('.5', '2')).toBe('1');
    expect(cmp('1e1', '10')).toBe(0);
  });
});

describe('isCanonicalDecimal', () => {
  it('is true exactly for what dec returns unchanged, up to 18 places', () => {
    for (const s of ['0', '1', '-2.5', '42000.5', '0.000000000000000001', '12345678901234567890.1']) {
      expect(isCanonicalDecimal(s), s).toBe(true);
      expect(dec(s)).toBe(s);
    }
    for (const s of ['42000.50', '007', '-0', '1e3', '.5', '+1', '0.0000000000000000001', '', 7]) {
      expect(isCanonicalDecimal(s), String(s)).toBe(false);
    }
  });
});
