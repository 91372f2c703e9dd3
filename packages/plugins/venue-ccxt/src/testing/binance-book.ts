import { add, cmp, dec, div, mul, sub, ZERO, type Decimal } from '@veloz/engine';

/**
 * The Binance double's exchange state as a pure core: instruments, orders, trades and the matching rules,
 * answering in Binance's JSON shapes. No I/O: the HTTP shell (binance-double.ts) routes requests to it.
 */

/** One instrument of the double. Decimals as strings, like Binance's filters. */
export interface DoubleSymbol {
  /** Binance id, e.g. "BTCUSDT". */
  symbol: string;
  base: string;
  quote: string;
  tickSize: Decimal;
  stepSize: Decimal;
  minQty: Decimal;
  maxQty?: Decimal;
  minNotional: Decimal;
  /** Initial last price. */
  price: Decimal;
}

/** An order as the double holds it. */
export interface DoubleOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  price: Decimal;
  origQty: Decimal;
  executedQty: Decimal;
  cummulativeQuoteQty: Decimal;
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
  timeInForce: 'GTC' | 'IOC' | 'FOK';
  type: 'LIMIT' | 'MARKET';
  side: 'BUY' | 'SELL';
  time: number;
  updateTime: number;
}

export interface DoubleTrade {
  symbol: string;
  id: number;
  orderId: number;
  price: Decimal;
  qty: Decimal;
  quoteQty: Decimal;
  time: number;
  isBuyer: boolean;
  isMaker: boolean;
}

export const DEFAULT_DOUBLE_SYMBOLS: DoubleSymbol[] = [
  {
    symbol: 'BTCUSDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: '0.01',
    stepSize: '0.00001',
    minQty: '0.00001',
    maxQty: '9000',
    minNotional: '5',
    price: '30000',
  },
  {
    symbol: 'ETHUSDT',
    base: 'ETH',
    quote: 'USDT',
    tickSize: '0.01',
    stepSize: '0.0001',
    minQty: '0.0001',
    maxQty: '9000',
    minNotional: '5',
    price: '2000',
  },
];

/** A Binance error answer: HTTP status, Binance code, message. */
export class BinanceApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

/** Binance prints decimals with 8 places. */
export function fmt(d: Decimal): string {
  const [i, f = ''] = dec(d).split('.');
  return `${i}.${f.padEnd(8, '0')}`;
}

function isMultiple(v: Decimal, unit: Decimal): boolean {
  return !div(v, unit).includes('.');
}

function parseDecimal(name: string, v: string | undefined): Decimal {
  if (v === undefined)
    throw new BinanceApiError(
      400,
      -1102,
      `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`,
    );
  try {
    return dec(v);
  } catch {
    throw new BinanceApiError(400, -1100, `Illegal characters found in parameter '${name}'.`);
  }
}

/** The book of the double. `p` are Binance request parameters (strings). */
export interface BinanceBook {
  /** GET /api/v3/exchangeInfo */
  exchangeInfo(): unknown;
  /** GET /api/v3/ticker/24hr */
  ticker(p: Record<string, string>): unknown;
  /** POST /api/v3/order (FULL response) */
  newOrder(p: Record<string, string>): unknown;
  /** DELETE /api/v3/order */
  cancel(p: Record<string, string>): unknown;
  /** GET /api/v3/order */
  queryOrder(p: Record<string, string>): unknown;
  /** GET /api/v3/openOrders */
  openOrders(p: Record<string, string>): unknown;
  /** GET /api/v3/myTrades */
  myTrades(p: Record<string, string>): unknown;
  /** Set the last price; resting limit orders that it crosses fill at their limit price. */
  setPrice(symbol: string, price: Decimal): void;
  /** Fill an open order for `quantity` (default: all that is left) at `price` (default: its limit). */
  fill(clientOrderId: string, quantity?: Decimal, price?: Decimal): void;
  /** The latest order with this client order id. */
  order(clientOrderId: string): Readonly<DoubleOrder> | undefined;
}

/** Create a book with these instruments (default BTCUSDT and ETHUSDT). */
export function createBinanceBook(list: DoubleSymbol[] = DEFAULT_DOUBLE_SYMBOLS): BinanceBook {
  const symbols = new Map(list.map((s) => [s.symbol, { ...s }]));
  const orders = new Map<number, DoubleOrder>();
  const trades: DoubleTrade[] = [];
  let nextOrderId = 1000;
  let nextTradeId = 5000;

  const symbolOf = (id: string | undefined) => {
    const s = id === undefined ? undefined : symbols.get(id);
    if (!s) throw new BinanceApiError(400, -1121, 'Invalid symbol.');
    return s;
  };

  const byClientId = (symbol: string, clientOrderId: string) => {
    // Binance keeps client ids unique among open orders; the latest order wins for queries.
    let found: DoubleOrder | undefined;
    for (const o of orders.values()) if (o.symbol === symbol && o.clientOrderId === clientOrderId) found = o;
    return found;
  };

  const findOrder = (p: Record<string, string>) => {
    const s = symbolOf(p.symbol);
    if (p.orderId !== undefined) {
      const o = orders.get(Number(p.orderId));
      return o && o.symbol === s.symbol ? o : undefined;
    }
    if (p.origClientOrderId !== undefined) return byClientId(s.symbol, p.origClientOrderId);
    throw new BinanceApiError(
      400,
      -1102,
      "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
    );
  };

  const execute = (o: DoubleOrder, qty: Decimal, price: Decimal, isMaker: boolean) => {
    const now = Date.now();
    const quoteQty = mul(qty, price);
    o.executedQty = add(o.executedQty, qty);
    o.cummulativeQuoteQty = add(o.cummulativeQuoteQty, quoteQty);
    o.status = cmp(o.executedQty, o.origQty) >= 0 ? 'FILLED' : 'PARTIALLY_FILLED';
    o.updateTime = now;
    const t: DoubleTrade = {
      symbol: o.symbol,
      id: nextTradeId++,
      orderId: o.orderId,
      price,
      qty,
      quoteQty,
      time: now,
      isBuyer: o.side === 'BUY',
      isMaker,
    };
    trades.push(t);
    return t;
  };

  const crosses = (o: DoubleOrder, last: Decimal) =>
    o.type === 'MARKET' || (o.side === 'BUY' ? cmp(o.price, last) >= 0 : cmp(o.price, last) <= 0);

  const orderJson = (o: DoubleOrder) => ({
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: fmt(o.price),
    origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty),
    cummulativeQuoteQty: fmt(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    stopPrice: '0.00000000',
    icebergQty: '0.00000000',
    time: o.time,
    updateTime: o.updateTime,
    isWorking: true,
    workingTime: o.time,
    origQuoteOrderQty: '0.00000000',
    selfTradePreventionMode: 'EXPIRE_MAKER',
  });

  const newOrder = (p: Record<string, string>) => {
    const s = symbolOf(p.symbol);
    const side = p.side;
    if (side !== 'BUY' && side !== 'SELL')
      throw new BinanceApiError(
        400,
        -1102,
        "Mandatory parameter 'side' was not sent, was empty/null, or malformed.",
      );
    const type = p.type;
    if (type !== 'LIMIT' && type !== 'MARKET') throw new BinanceApiError(400, -1116, 'Invalid orderType.');
    const qty = parseDecimal('quantity', p.quantity);
    const clientOrderId = p.newClientOrderId ?? `double-${nextOrderId}`;
    if (!/^[a-zA-Z0-9-_]{1,36}$/.test(clientOrderId)) {
      throw new BinanceApiError(
        400,
        -1100,
        "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[a-zA-Z0-9-_]{1,36}$'.",
      );
    }
    const dup = byClientId(s.symbol, clientOrderId);
    if (dup && (dup.status === 'NEW' || dup.status === 'PARTIALLY_FILLED')) {
      throw new BinanceApiError(400, -2010, 'Duplicate order sent.');
    }
    if (cmp(qty, s.minQty) < 0 || (s.maxQty && cmp(qty, s.maxQty) > 0) || !isMultiple(qty, s.stepSize)) {
      throw new BinanceApiError(400, -1013, 'Filter failure: LOT_SIZE');
    }
    let price = ZERO;
    let tif: DoubleOrder['timeInForce'] = 'GTC';
    if (type === 'LIMIT') {
      price = parseDecimal('price', p.price);
      if (p.timeInForce !== 'GTC' && p.timeInForce !== 'IOC' && p.timeInForce !== 'FOK') {
        throw new BinanceApiError(
          400,
          -1102,
          "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
        );
      }
      tif = p.timeInForce;
      if (cmp(price, s.tickSize) < 0 || !isMultiple(price, s.tickSize)) {
        throw new BinanceApiError(400, -1013, 'Filter failure: PRICE_FILTER');
      }
    }
    const notional = mul(qty, type === 'LIMIT' ? price : s.price);
    if (cmp(notional, s.minNotional) < 0) throw new BinanceApiError(400, -1013, 'Filter failure: NOTIONAL');
    const now = Date.now();
    const o: DoubleOrder = {
      symbol: s.symbol,
      orderId: nextOrderId++,
      clientOrderId,
      price,
      origQty: qty,
      executedQty: ZERO,
      cummulativeQuoteQty: ZERO,
      status: 'NEW',
      timeInForce: tif,
      type,
      side,
      time: now,
      updateTime: now,
    };
    orders.set(o.orderId, o);
    const fills: DoubleTrade[] = [];
    if (crosses(o, s.price)) fills.push(execute(o, o.origQty, s.price, false));
    else if (o.type === 'MARKET' || o.timeInForce !== 'GTC') o.status = 'EXPIRED';
    return {
      ...orderJson(o),
      transactTime: now,
      fills: fills.map((t) => ({
        price: fmt(t.price),
        qty: fmt(t.qty),
        commission: '0.00000000',
        commissionAsset: s.quote,
        tradeId: t.id,
      })),
    };
  };

  const cancel = (p: Record<string, string>) => {
    const o = findOrder(p);
    if (!o || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) {
      throw new BinanceApiError(400, -2011, 'Unknown order sent.');
    }
    o.status = 'CANCELED';
    o.updateTime = Date.now();
    // Like Binance: clientOrderId is a fresh id of the cancel request, the order's own is origClientOrderId.
    return {
      ...orderJson(o),
      origClientOrderId: o.clientOrderId,
      clientOrderId: p.newClientOrderId ?? `cancel${o.orderId}x${Date.now()}`,
      transactTime: o.updateTime,
    };
  };

  return {
    exchangeInfo() {
      return {
        timezone: 'UTC',
        serverTime: Date.now(),
        rateLimits: [
          { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
          { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
        ],
        exchangeFilters: [],
        symbols: [...symbols.values()].map((s) => ({
          symbol: s.symbol,
          status: 'TRADING',
          baseAsset: s.base,
          baseAssetPrecision: 8,
          quoteAsset: s.quote,
          quotePrecision: 8,
          quoteAssetPrecision: 8,
          orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
          icebergAllowed: true,
          ocoAllowed: true,
          quoteOrderQtyMarketAllowed: true,
          isSpotTradingAllowed: true,
          isMarginTradingAllowed: false,
          filters: [
            {
              filterType: 'PRICE_FILTER',
              minPrice: fmt(s.tickSize),
              maxPrice: '1000000.00000000',
              tickSize: fmt(s.tickSize),
            },
            {
              filterType: 'LOT_SIZE',
              minQty: fmt(s.minQty),
              maxQty: fmt(s.maxQty ?? '9000'),
              stepSize: fmt(s.stepSize),
            },
            {
              filterType: 'NOTIONAL',
              minNotional: fmt(s.minNotional),
              applyMinToMarket: true,
              maxNotional: '9000000.00000000',
              applyMaxToMarket: false,
              avgPriceMins: 5,
            },
          ],
          permissions: [],
          permissionSets: [['SPOT']],
          defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
          allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
        })),
      };
    },

    ticker(p: Record<string, string>) {
      const s = symbolOf(p.symbol);
      const now = Date.now();
      return {
        symbol: s.symbol,
        priceChange: '0.00000000',
        priceChangePercent: '0.000',
        weightedAvgPrice: fmt(s.price),
        prevClosePrice: fmt(s.price),
        lastPrice: fmt(s.price),
        lastQty: '0.00000000',
        bidPrice: fmt(s.price),
        bidQty: '1.00000000',
        askPrice: fmt(s.price),
        askQty: '1.00000000',
        openPrice: fmt(s.price),
        highPrice: fmt(s.price),
        lowPrice: fmt(s.price),
        volume: '0.00000000',
        quoteVolume: '0.00000000',
        openTime: now - 86_400_000,
        closeTime: now,
        firstId: -1,
        lastId: -1,
        count: 0,
      };
    },

    newOrder,
    cancel,

    queryOrder(p: Record<string, string>) {
      const o = findOrder(p);
      if (!o) throw new BinanceApiError(400, -2013, 'Order does not exist.');
      return orderJson(o);
    },

    openOrders(p: Record<string, string>) {
      if (p.symbol !== undefined) symbolOf(p.symbol);
      return [...orders.values()]
        .filter(
          (o) =>
            (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED') && (!p.symbol || o.symbol === p.symbol),
        )
        .map(orderJson);
    },

    myTrades(p: Record<string, string>) {
      const s = symbolOf(p.symbol);
      const start = p.startTime === undefined ? 0 : Number(p.startTime);
      const end = p.endTime === undefined ? Infinity : Number(p.endTime);
      const fromId = p.fromId === undefined ? undefined : Number(p.fromId);
      const limit = Math.min(Number(p.limit ?? 500), 1000);
      return trades
        .filter(
          (t) =>
            t.symbol === s.symbol &&
            (fromId !== undefined ? t.id >= fromId : t.time >= start && t.time <= end),
        )
        .slice(0, limit)
        .map((t) => ({
          symbol: t.symbol,
          id: t.id,
          orderId: t.orderId,
          orderListId: -1,
          price: fmt(t.price),
          qty: fmt(t.qty),
          quoteQty: fmt(t.quoteQty),
          commission: '0.00000000',
          commissionAsset: s.quote,
          time: t.time,
          isBuyer: t.isBuyer,
          isMaker: t.isMaker,
          isBestMatch: true,
        }));
    },

    setPrice(symbol, price) {
      const s = symbolOf(symbol);
      s.price = dec(price);
      for (const o of orders.values()) {
        if (o.symbol !== s.symbol || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) continue;
        if (crosses(o, s.price)) execute(o, sub(o.origQty, o.executedQty), o.price, true);
      }
    },

    fill(clientOrderId, quantity, price) {
      let o: DoubleOrder | undefined;
      for (const x of orders.values()) if (x.clientOrderId === clientOrderId) o = x;
      if (!o || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) {
        throw new Error(`no open order ${clientOrderId} in the double`);
      }
      const left = sub(o.origQty, o.executedQty);
      const qty = quantity === undefined ? left : dec(quantity);
      if (cmp(qty, left) > 0 || cmp(qty, ZERO) <= 0) throw new Error(`cannot fill ${qty} of ${left} left`);
      execute(o, qty, price ?? o.price, true);
    },

    order(clientOrderId) {
      let o: DoubleOrder | undefined;
      for (const x of orders.values()) if (x.clientOrderId === clientOrderId) o = x;
      return o;
    },
  };
}
