import {
  add,
  cmp,
  div,
  isDecimal,
  isPositive,
  min,
  mul,
  sub,
  ZERO,
  type Decimal,
  type ExecutionReport,
  type Fill,
  type InstrumentSpec,
  type OrderStatus,
  type OrderType,
  type Side,
  type TimeInForce,
  type VenueErrorCode,
  type VenueOrderReport,
} from '@veloz/engine';
import { floorToStep, isMultipleOf } from './decimal-steps';

/** One instrument of the simulated exchange: trading rules plus its opening price. */
export interface SimInstrument extends InstrumentSpec {
  /** Price before the first tick. A multiple of `tickSize`. */
  initialPrice: Decimal;
  /**
   * Quantity an incoming (taker) order can fill at once at the current price. Absent: unlimited.
   * IOC orders fill up to it and expire the rest; FOK orders larger than it expire unfilled.
   */
  liquidity?: Decimal;
}

/** An order as a client sends it to the simulated exchange. */
export interface SimOrderInput {
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  quantity: Decimal;
  price?: Decimal;
}

export interface MatchingEngineConfig {
  instruments: SimInstrument[];
  /**
   * Fraction (0 < f <= 1) of a resting order's remaining quantity filled on each tick that crosses it,
   * rounded down to the quantity step (at least one step). 1 fills resting orders whole.
   */
  fillFraction: Decimal;
  /**
   * Buying power in quote units: the notional (price x remaining quantity) of all open orders plus the new
   * one may not exceed it, else INSUFFICIENT_FUNDS. Absent: unlimited. Fills do not consume it.
   */
  balance?: Decimal;
}

/** A fill with the ids of its order, as `GET /api/fills` returns it. */
export type SimFill = Fill & { clientOrderId: string; venueOrderId: string; symbol: string };

export type SubmitOutcome =
  | { ok: true; order: VenueOrderReport; duplicate: boolean; reports: ExecutionReport[] }
  | { ok: false; code: VenueErrorCode; reason: string; reports: ExecutionReport[] };

export type ChangeOutcome =
  | { ok: true; order: VenueOrderReport; reports: ExecutionReport[] }
  | { ok: false; code: VenueErrorCode; reason: string };

interface SimOrder extends VenueOrderReport {
  /** Sum of price x quantity over the fills, for the average price. */
  notional: Decimal;
  fillCount: number;
}

const CLIENT_ORDER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const OPEN: ReadonlySet<OrderStatus> = new Set(['NEW', 'PARTIALLY_FILLED']);

/**
 * The pure core of the simulated exchange: per-symbol books of resting client orders matched against a
 * price that the shell moves (random walk, replay or admin). No I/O, no timers: every method takes the
 * time and returns the execution reports it caused, in order, for the shell to push.
 *
 * Matching model: an incoming order that crosses the current price fills at that price (up to the
 * instrument's `liquidity`); a resting LIMIT order fills at its own price on each tick that crosses it,
 * `fillFraction` of its remaining quantity per tick.
 */
export class MatchingEngine {
  private readonly instrumentsBySymbol = new Map<string, SimInstrument>();
  private readonly prices = new Map<string, Decimal>();
  private readonly orders = new Map<string, SimOrder>();
  /** Open orders per symbol, in arrival order (time priority). */
  private readonly books = new Map<string, Map<string, SimOrder>>();
  private readonly fillLog: SimFill[] = [];
  private readonly pendingRejects: { code: VenueErrorCode; reason: string }[] = [];
  private orderSeq = 0;
  private tradeSeq = 0;

  constructor(private readonly config: MatchingEngineConfig) {
    if (
      !isDecimal(config.fillFraction) ||
      !isPositive(config.fillFraction) ||
      cmp(config.fillFraction, '1') > 0
    )
      throw new RangeError(`fillFraction must be in (0, 1], got ${config.fillFraction}`);
    for (const inst of config.instruments) {
      this.instrumentsBySymbol.set(inst.symbol, inst);
      this.prices.set(inst.symbol, inst.initialPrice);
      this.books.set(inst.symbol, new Map());
    }
  }

  /** Instrument rules, without the simulator-only fields. */
  instruments(): InstrumentSpec[] {
    return [...this.instrumentsBySymbol.values()].map((i) => ({
      symbol: i.symbol,
      tickSize: i.tickSize,
      quantityStep: i.quantityStep,
      minQuantity: i.minQuantity,
      ...(i.minNotional !== undefined ? { minNotional: i.minNotional } : {}),
    }));
  }

  instrument(symbol: string): SimInstrument | undefined {
    return this.instrumentsBySymbol.get(symbol);
  }

  symbols(): string[] {
    return [...this.instrumentsBySymbol.keys()];
  }

  /** Current price of `symbol`; undefined for an unknown symbol. */
  price(symbol: string): Decimal | undefined {
    return this.prices.get(symbol);
  }

  /** Make the next `count` submissions fail with `code` (admin fault injection). */
  rejectNext(code: VenueErrorCode, reason: string, count = 1): void {
    for (let i = 0; i < count; i++) this.pendingRejects.push({ code, reason });
  }

  /** Check an order against the instrument rules; undefined when it is valid. */
  validate(input: SimOrderInput): { code: VenueErrorCode; reason: string } | undefined {
    if (typeof input.clientOrderId !== 'string' || !CLIENT_ORDER_ID_RE.test(input.clientOrderId))
      return { code: 'REJECTED', reason: 'clientOrderId must be 1-64 chars of [A-Za-z0-9_-]' };
    const inst = this.instrumentsBySymbol.get(input.symbol);
    if (!inst) return { code: 'UNKNOWN_SYMBOL', reason: `unknown symbol ${String(input.symbol)}` };
    if (input.side !== 'BUY' && input.side !== 'SELL')
      return { code: 'REJECTED', reason: 'side must be BUY or SELL' };
    if (input.type !== 'LIMIT' && input.type !== 'MARKET')
      return { code: 'REJECTED', reason: 'type must be LIMIT or MARKET' };
    if (!['GTC', 'IOC', 'FOK'].includes(input.timeInForce))
      return { code: 'REJECTED', reason: 'timeInForce must be GTC, IOC or FOK' };
    if (!isDecimal(input.quantity) || !isPositive(input.quantity))
      return { code: 'INVALID_QUANTITY', reason: 'quantity must be a positive decimal' };
    if (!isMultipleOf(input.quantity, inst.quantityStep))
      return {
        code: 'INVALID_QUANTITY',
        reason: `quantity ${input.quantity} is not a multiple of ${inst.quantityStep}`,
      };
    if (cmp(input.quantity, inst.minQuantity) < 0)
      return {
        code: 'INVALID_QUANTITY',
        reason: `quantity ${input.quantity} is below the minimum ${inst.minQuantity}`,
      };
    if (input.type === 'LIMIT') {
      if (input.price === undefined || !isDecimal(input.price) || !isPositive(input.price))
        return { code: 'INVALID_PRICE', reason: 'a LIMIT order needs a positive decimal price' };
      if (!isMultipleOf(input.price, inst.tickSize))
        return {
          code: 'INVALID_PRICE',
          reason: `price ${input.price} is not a multiple of the tick ${inst.tickSize}`,
        };
    } else if (input.price !== undefined) {
      return { code: 'INVALID_PRICE', reason: 'a MARKET order takes no price' };
    }
    if (inst.minNotional !== undefined) {
      const notional = mul(input.price ?? this.prices.get(inst.symbol) ?? ZERO, input.quantity);
      if (cmp(notional, inst.minNotional) < 0)
        return {
          code: 'INVALID_QUANTITY',
          reason: `notional ${notional} is below the minimum ${inst.minNotional}`,
        };
    }
    return undefined;
  }

  /**
   * Accept or reject a new order and match it at once. A clientOrderId seen before returns that order
   * unchanged (`duplicate: true`, no reports), whatever the new request says.
   */
  submit(input: SimOrderInput, now: number): SubmitOutcome {
    const existing = this.orders.get(input.clientOrderId);
    if (existing) return { ok: true, order: report(existing), duplicate: true, reports: [] };
    const invalid = this.validate(input) ?? this.pendingRejects.shift() ?? this.checkFunds(input);
    if (invalid) {
      const reports: ExecutionReport[] =
        typeof input.clientOrderId === 'string'
          ? [{ kind: 'REJECTED', clientOrderId: input.clientOrderId, reason: invalid.reason, ts: now }]
          : [];
      return { ok: false, ...invalid, reports };
    }
    const order: SimOrder = {
      clientOrderId: input.clientOrderId,
      venueOrderId: `sim-${++this.orderSeq}`,
      symbol: input.symbol,
      side: input.side,
      type: input.type,
      timeInForce: input.timeInForce,
      quantity: input.quantity,
      ...(input.price !== undefined ? { price: input.price } : {}),
      filledQuantity: ZERO,
      status: 'NEW',
      updatedAt: now,
      notional: ZERO,
      fillCount: 0,
    };
    this.orders.set(order.clientOrderId, order);
    const reports: ExecutionReport[] = [
      { kind: 'ACCEPTED', clientOrderId: order.clientOrderId, venueOrderId: order.venueOrderId, ts: now },
    ];
    const inst = this.instrumentsBySymbol.get(order.symbol)!;
    const current = this.prices.get(order.symbol)!;
    const immediate = order.timeInForce !== 'GTC' || order.type === 'MARKET';
    if (crosses(order, current)) {
      const available =
        inst.liquidity === undefined ? order.quantity : floorToStep(inst.liquidity, inst.quantityStep);
      const qty = min(order.quantity, available);
      if (order.timeInForce === 'FOK' && cmp(qty, order.quantity) < 0) {
        reports.push(this.finish(order, 'EXPIRED', now));
        return { ok: true, order: report(order), duplicate: false, reports };
      }
      if (isPositive(qty)) reports.push(this.fill(order, qty, current, now));
    }
    if (order.status === 'FILLED') return { ok: true, order: report(order), duplicate: false, reports };
    if (immediate) reports.push(this.finish(order, 'EXPIRED', now));
    else this.books.get(order.symbol)!.set(order.clientOrderId, order);
    return { ok: true, order: report(order), duplicate: false, reports };
  }

  /** Cancel an open order. NOT_FOUND when it is unknown or already final. */
  cancel(clientOrderId: string, now: number, reason?: string): ChangeOutcome {
    const order = this.orders.get(clientOrderId);
    if (!order || !OPEN.has(order.status))
      return { ok: false, code: 'NOT_FOUND', reason: `no open order ${clientOrderId}` };
    const r = this.finish(order, 'CANCELED', now, reason);
    return { ok: true, order: report(order), reports: [r] };
  }

  /**
   * Fill an open order outside the normal matching (admin): `quantity` defaults to the remaining
   * quantity, `price` to the order's limit price (or the current price for MARKET).
   */
  forceFill(clientOrderId: string, now: number, quantity?: Decimal, price?: Decimal): ChangeOutcome {
    const order = this.orders.get(clientOrderId);
    if (!order || !OPEN.has(order.status))
      return { ok: false, code: 'NOT_FOUND', reason: `no open order ${clientOrderId}` };
    const remaining = sub(order.quantity, order.filledQuantity);
    const qty = quantity ?? remaining;
    if (!isDecimal(qty) || !isPositive(qty) || cmp(qty, remaining) > 0)
      return { ok: false, code: 'INVALID_QUANTITY', reason: `fill quantity must be in (0, ${remaining}]` };
    const px = price ?? order.price ?? this.prices.get(order.symbol)!;
    if (!isDecimal(px) || !isPositive(px))
      return { ok: false, code: 'INVALID_PRICE', reason: 'bad fill price' };
    const r = this.fill(order, qty, px, now);
    return { ok: true, order: report(order), reports: [r] };
  }

  /** Move the price of `symbol` and fill the resting orders it crosses. Returns undefined for an unknown symbol. */
  setPrice(symbol: string, price: Decimal, now: number): ExecutionReport[] | undefined {
    const inst = this.instrumentsBySymbol.get(symbol);
    if (!inst) return undefined;
    this.prices.set(symbol, price);
    const reports: ExecutionReport[] = [];
    for (const order of [...this.books.get(symbol)!.values()]) {
      if (!crosses(order, price)) continue;
      const remaining = sub(order.quantity, order.filledQuantity);
      let qty = floorToStep(mul(remaining, this.config.fillFraction), inst.quantityStep);
      if (!isPositive(qty)) qty = remaining;
      reports.push(this.fill(order, qty, order.price ?? price, now));
    }
    return reports;
  }

  /** One order as the venue reports it; undefined when never seen. */
  get(clientOrderId: string): VenueOrderReport | undefined {
    const o = this.orders.get(clientOrderId);
    return o ? report(o) : undefined;
  }

  /** Open orders, all symbols or one, in arrival order. */
  openOrders(symbol?: string): VenueOrderReport[] {
    const books = symbol === undefined ? [...this.books.values()] : [this.books.get(symbol) ?? new Map()];
    return books.flatMap((b) => [...b.values()].map(report));
  }

  openOrderCount(): number {
    let n = 0;
    for (const b of this.books.values()) n += b.size;
    return n;
  }

  /** Fills with timestamp >= `sinceMs`, oldest first. */
  fills(sinceMs: number, symbol?: string): SimFill[] {
    return this.fillLog.filter(
      (f) => f.timestamp >= sinceMs && (symbol === undefined || f.symbol === symbol),
    );
  }

  private checkFunds(input: SimOrderInput): { code: VenueErrorCode; reason: string } | undefined {
    const { balance } = this.config;
    if (balance === undefined) return undefined;
    let reserved = ZERO;
    for (const book of this.books.values())
      for (const o of book.values())
        reserved = add(reserved, mul(o.price ?? ZERO, sub(o.quantity, o.filledQuantity)));
    const wanted = mul(input.price ?? this.prices.get(input.symbol) ?? ZERO, input.quantity);
    if (cmp(add(reserved, wanted), balance) > 0)
      return { code: 'INSUFFICIENT_FUNDS', reason: `needs ${wanted}, ${sub(balance, reserved)} available` };
    return undefined;
  }

  private fill(order: SimOrder, qty: Decimal, price: Decimal, now: number): ExecutionReport {
    const fill: Fill = {
      fillId: `${order.venueOrderId}-t${++this.tradeSeq}`,
      quantity: qty,
      price,
      timestamp: now,
    };
    order.filledQuantity = add(order.filledQuantity, qty);
    order.notional = add(order.notional, mul(price, qty));
    order.averageFillPrice = div(order.notional, order.filledQuantity);
    order.fillCount++;
    order.updatedAt = now;
    if (cmp(order.filledQuantity, order.quantity) === 0) {
      order.status = 'FILLED';
      this.books.get(order.symbol)!.delete(order.clientOrderId);
    } else {
      order.status = 'PARTIALLY_FILLED';
    }
    this.fillLog.push({
      ...fill,
      clientOrderId: order.clientOrderId,
      venueOrderId: order.venueOrderId,
      symbol: order.symbol,
    });
    return {
      kind: 'FILL',
      clientOrderId: order.clientOrderId,
      venueOrderId: order.venueOrderId,
      fill,
      ts: now,
    };
  }

  private finish(
    order: SimOrder,
    status: 'CANCELED' | 'EXPIRED',
    now: number,
    reason?: string,
  ): ExecutionReport {
    order.status = status;
    order.updatedAt = now;
    this.books.get(order.symbol)!.delete(order.clientOrderId);
    const base = { clientOrderId: order.clientOrderId, venueOrderId: order.venueOrderId, ts: now };
    return status === 'EXPIRED'
      ? { kind: 'EXPIRED', ...base }
      : { kind: 'CANCELED', ...base, ...(reason !== undefined ? { reason } : {}) };
  }
}

function crosses(order: VenueOrderReport, price: Decimal): boolean {
  if (order.type === 'MARKET' || order.price === undefined) return true;
  return order.side === 'BUY' ? cmp(price, order.price) <= 0 : cmp(price, order.price) >= 0;
}

function report(o: SimOrder): VenueOrderReport {
  const { notional: _n, fillCount: _c, ...rest } = o;
  return { ...rest };
}
