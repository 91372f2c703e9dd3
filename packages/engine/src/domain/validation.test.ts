import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OrderValidationError } from '../errors';
import { dec, isDecimal, isPositive, type Decimal } from './decimal';
import type { OrderRequest } from './order';
import { CLIENT_ORDER_ID_RE, NAME_RE, validateOrderRequest } from './validation';
import { seededRandom } from '../testing/fixtures';

const base = {
  clientOrderId: 'c-1',
  account: 'acc1',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.10',
  price: '27350.50',
};

function fieldOf(input: unknown): string {
  try {
    validateOrderRequest(input);
  } catch (e) {
    expect(e).toBeInstanceOf(OrderValidationError);
    expect((e as OrderValidationError).code).toBe('ORDER_INVALID');
    return (e as OrderValidationError).field;
  }
  throw new Error('expected a validation error');
}

describe('validateOrderRequest', () => {
  it('accepts a LIMIT order and canonicalises decimals, dropping unknown fields', () => {
    expect(validateOrderRequest({ ...base, extra: 'x', status: 'FILLED' })).toEqual({
      clientOrderId: 'c-1',
      account: 'acc1',
      venue: 'sim',
      symbol: 'BTC-USD',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.1',
      price: '27350.5',
    });
  });

  it('accepts numbers as decimals and defaults timeInForce by type', () => {
    const limit = validateOrderRequest({ ...base, quantity: 0.3, price: 100, timeInForce: undefined });
    expect(limit).toMatchObject({ quantity: '0.3', price: '100', timeInForce: 'GTC' });
    const { price: _p, ...noPrice } = base;
    const market = validateOrderRequest({ ...noPrice, type: 'MARKET', timeInForce: undefined });
    expect(market.timeInForce).toBe('IOC');
    expect(market.price).toBeUndefined();
    expect(validateOrderRequest({ ...noPrice, type: 'MARKET', timeInForce: 'FOK' }).timeInForce).toBe('FOK');
  });

  it.each([
    ['zero quantity', { quantity: '0' }, 'quantity'],
    ['negative quantity', { quantity: '-1' }, 'quantity'],
    ['negative numeric quantity', { quantity: -1 }, 'quantity'],
    ['NaN quantity', { quantity: Number.NaN }, 'quantity'],
    ['Infinity quantity', { quantity: Number.POSITIVE_INFINITY }, 'quantity'],
    ['exponent quantity', { quantity: '1e3' }, 'quantity'],
    ['text quantity', { quantity: 'ten' }, 'quantity'],
    ['hex quantity', { quantity: '0x10' }, 'quantity'],
    ['too many places', { quantity: '0.0000000000000000001' }, 'quantity'],
    ['huge quantity', { quantity: '9'.repeat(31) }, 'quantity'],
    ['missing quantity', { quantity: undefined }, 'quantity'],
    ['boolean quantity', { quantity: true }, 'quantity'],
    ['zero price', { price: '0.000' }, 'price'],
    ['negative price', { price: '-5' }, 'price'],
    ['missing LIMIT price', { price: undefined }, 'price'],
    ['price on MARKET', { type: 'MARKET', timeInForce: 'IOC' }, 'price'],
    ['MARKET GTC', { type: 'MARKET', price: undefined, timeInForce: 'GTC' }, 'timeInForce'],
    ['bad side', { side: 'HOLD' }, 'side'],
    ['bad type', { type: 'STOP' }, 'type'],
    ['bad tif', { timeInForce: 'DAY' }, 'timeInForce'],
    ['empty clientOrderId', { clientOrderId: '' }, 'clientOrderId'],
    ['long clientOrderId', { clientOrderId: 'a'.repeat(65) }, 'clientOrderId'],
    ['clientOrderId with space', { clientOrderId: 'a b' }, 'clientOrderId'],
    ['clientOrderId injection', { clientOrderId: "x';DROP" }, 'clientOrderId'],
    ['numeric clientOrderId', { clientOrderId: 12 }, 'clientOrderId'],
    ['long symbol', { symbol: 'B'.repeat(33) }, 'symbol'],
    ['symbol starting with dash', { symbol: '-BTC' }, 'symbol'],
    ['missing account', { account: undefined }, 'account'],
    ['venue with space', { venue: 'si m' }, 'venue'],
    ['oversized string', { account: 'x'.repeat(100_000) }, 'account'],
  ])('rejects %s', (_label, patch, field) => {
    expect(fieldOf({ ...base, ...patch })).toBe(field);
  });

  it('accepts boundary ids', () => {
    expect(validateOrderRequest({ ...base, clientOrderId: 'A'.repeat(64) }).clientOrderId).toHaveLength(64);
    expect(validateOrderRequest({ ...base, symbol: 'BTC/USD:USD' }).symbol).toBe('BTC/USD:USD');
    expect(validateOrderRequest({ ...base, symbol: 'B'.repeat(32) }).symbol).toHaveLength(32);
  });

  it.each([null, undefined, 42, 'order', [base]])('rejects non-object input %j', (input) => {
    expect(fieldOf(input)).toBe('(root)');
  });

  it('ten fills worth of 0.1 style inputs stay exact', () => {
    expect(validateOrderRequest({ ...base, quantity: '0.1000000000' }).quantity).toBe('0.1');
    expect(validateOrderRequest({ ...base, quantity: '000.5' }).quantity).toBe('0.5');
  });
});

// ---------------------------------------------------------------------------------------------------------
// The oracle: the zod 4 schema validateOrderRequest used before it was hand-written, kept verbatim. The
// hand-written validator must give exactly its results: the same OrderRequest (key order included) for
// valid input, the same first issue (message and field) for invalid input.

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

const oracleName = (field: string) =>
  z.string({ error: `${field} is required` }).regex(NAME_RE, {
    error: `${field} must be 1-32 characters of [A-Za-z0-9._:/-] starting with a letter or digit`,
  });

const orderRequestSchema = z
  .object({
    clientOrderId: z
      .string({ error: 'clientOrderId is required' })
      .regex(CLIENT_ORDER_ID_RE, { error: 'clientOrderId must be 1-64 characters of [A-Za-z0-9_-]' }),
    account: oracleName('account'),
    venue: oracleName('venue'),
    symbol: oracleName('symbol'),
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

function oracleValidate(input: unknown): OrderRequest {
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

type Outcome =
  | { ok: true; keys: string[]; value: OrderRequest }
  | { ok: false; error: string; message: string; field: string };

function outcome(validate: (input: unknown) => OrderRequest, input: unknown): Outcome {
  try {
    const value = validate(input);
    return { ok: true, keys: Object.keys(value), value };
  } catch (e) {
    if (!(e instanceof OrderValidationError)) throw e;
    return { ok: false, error: e.constructor.name, message: e.message, field: e.field };
  }
}

const ABSENT = Symbol('absent');
const FIELDS = [
  'clientOrderId',
  'account',
  'venue',
  'symbol',
  'side',
  'type',
  'timeInForce',
  'quantity',
  'price',
] as const;
type Field = (typeof FIELDS)[number];

const names = ['acc1', 'sim', 'BTC-USD', 'BTC/USD:USD', 'B'.repeat(32), '9.x_y:z/w-v', 'a', 'Z0'];
const decimals = [
  '0.10',
  '1',
  '000.5',
  '27350.50',
  '0.000000000000000001',
  '9'.repeat(30),
  '1.' + '0'.repeat(30),
  '7.' + '5'.repeat(18),
  0.3,
  100,
  1e21,
  5e-7,
  Number.MAX_SAFE_INTEGER,
  0.1,
];
const VALID: Record<Field, unknown[]> = {
  clientOrderId: ['c-1', 'A'.repeat(64), 'a', 'x_Y-9', '0', '--__'],
  account: names,
  venue: names,
  symbol: names,
  side: ['BUY', 'SELL'],
  type: ['LIMIT', 'MARKET'],
  timeInForce: [ABSENT, undefined, 'GTC', 'IOC', 'FOK'],
  quantity: decimals,
  price: [ABSENT, undefined, null, ...decimals],
};
const huge = 'x'.repeat(100_000);
// Bad for some field or other; any field may draw any of these (and other fields' valid values).
const JUNK: unknown[] = [
  // missing, wrong type, null
  ABSENT,
  undefined,
  null,
  true,
  false,
  0,
  -0,
  1,
  -1,
  1.5,
  -0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e30,
  1e-19,
  10n,
  Symbol('s'),
  () => 'BUY',
  new Date(0),
  Object('BUY'),
  Object(1),
  // arrays and nested objects
  [],
  ['BUY'],
  ['1'],
  {},
  { value: '1' },
  { toString: () => 'BUY' },
  // strings: empty, whitespace, too long, unicode, injection, wrong case
  '',
  ' ',
  '\n',
  'a'.repeat(65),
  'B'.repeat(33),
  huge,
  '-BTC',
  '.x',
  'a b',
  ' BTC',
  'BTC\n',
  'BTC\t',
  "x';DROP",
  'БTC',
  'BTC€',
  '😀',
  'e\u0301',
  '\u00a0a',
  'buy',
  'Buy',
  ' BUY',
  'SELL ',
  'limit',
  'STOP',
  'gtc',
  'DAY',
  // decimals: zero, negative, exponent, too many digits, odd forms
  '0',
  '0.000',
  '0'.repeat(30),
  '-1',
  '-0',
  '+1',
  '1e3',
  '1E-3',
  '.5',
  '5.',
  '0x10',
  'ten',
  'NaN',
  'Infinity',
  '1,5',
  '1_000',
  '1 ',
  ' 1',
  '１',
  '١',
  '9'.repeat(31),
  '1.' + '1'.repeat(19),
  '0.0000000000000000001',
  '1.' + '0'.repeat(31),
  '9'.repeat(30) + '.' + '9'.repeat(30),
];
const EXTRA_KEYS = ['extra', 'status', 'id', 'constructor', 'toString', 'Price', 'quantity ', '__proto__'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function generate(rand: () => number): unknown {
  const r = rand();
  if (r < 0.01) return pick(rand, [null, undefined, 42, 'order', [], [{}], true, 1n]);
  const badCount = r < 0.35 ? 0 : r < 0.65 ? 1 : r < 0.85 ? 2 : 3 + Math.floor(rand() * 7);
  const bad = new Set<Field>();
  while (bad.size < badCount) bad.add(pick(rand, FIELDS));
  const entries: [string, unknown][] = [];
  for (const field of FIELDS) {
    let value: unknown;
    if (!bad.has(field)) value = pick(rand, VALID[field]);
    else if (rand() < 0.75) value = pick(rand, JUNK);
    else value = pick(rand, VALID[pick(rand, FIELDS)]);
    if (value !== ABSENT) entries.push([field, value]);
  }
  if (rand() < 0.3) {
    for (let n = 1 + Math.floor(rand() * 3); n > 0; n--)
      entries.push([pick(rand, EXTRA_KEYS), pick(rand, JUNK)]);
  }
  if (rand() < 0.5) {
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
  }
  const shape = rand();
  // Some fields inherited from a prototype, or no prototype at all: both read `input[key]`.
  const proto: object | null = shape < 0.05 ? {} : shape < 0.08 ? null : Object.prototype;
  const input = Object.create(proto) as Record<string, unknown>;
  for (const [key, value] of entries) {
    const target = proto !== null && proto !== Object.prototype && rand() < 0.5 ? proto : input;
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return input;
}

describe('validateOrderRequest matches the former zod schema (differential)', () => {
  it('gives identical outcomes on 20,000 generated inputs', () => {
    const rand = seededRandom(0x5eed_0001);
    const mismatches: string[] = [];
    const fields = new Map<string, number>();
    const messages = new Set<string>();
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const input = generate(rand);
      const expected = outcome(oracleValidate, input);
      const actual = outcome(validateOrderRequest, input);
      try {
        expect(actual).toStrictEqual(expected);
      } catch {
        if (mismatches.length < 5)
          mismatches.push(
            `#${i} ${inspect(input, { maxStringLength: 80 })}\n  zod: ${inspect(expected)}\n  new: ${inspect(actual)}`,
          );
      }
      if (expected.ok) valid++;
      else {
        fields.set(expected.field, (fields.get(expected.field) ?? 0) + 1);
        messages.add(expected.message.replace(/^\w+ /, '').replace(/, got .*|\d[\d.]* has/s, ''));
      }
    }
    expect(mismatches).toEqual([]);
    // The generator reaches every outcome worth comparing.
    expect(valid).toBeGreaterThan(2_000);
    for (const field of ['(root)', ...FIELDS]) expect(fields.get(field) ?? 0).toBeGreaterThan(50);
    expect([...messages].sort()).toEqual(
      [
        'is required',
        'must be 1-32 characters of [A-Za-z0-9._:/-] starting with a letter or digit',
        'must be 1-64 characters of [A-Za-z0-9_-]',
        'must be BUY or SELL',
        'must be LIMIT or MARKET',
        'must be GTC, IOC or FOK',
        'must be a decimal string or number',
        'must be a plain positive decimal',
        ' too many digits (max 30 integer, 18 fractional)',
        'must be positive',
        'is required for a LIMIT order',
        'must be absent for a MARKET order',
        'MARKET order must be IOC or FOK, not GTC',
        'request must be an object',
      ].sort(),
    );
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['-0', -0],
    ['1e30', 1e30],
    ['MIN_VALUE', Number.MIN_VALUE],
    ['bigint', 10n],
  ])('agrees on a %s quantity and price', (_label, value) => {
    for (const patch of [{ quantity: value }, { price: value }]) {
      const input = { ...base, ...patch };
      expect(outcome(validateOrderRequest, input)).toStrictEqual(outcome(oracleValidate, input));
    }
  });
});
