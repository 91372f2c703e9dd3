import {
  dec,
  type Decimal,
  type Fill,
  type OrderStatus,
  type OrderType,
  type Side,
  type TimeInForce,
  type VenueErrorCode,
  type VenueOrderReport,
} from '@veloz/engine';
import {
  AuthenticationError,
  BadSymbol,
  BaseError,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  OperationFailed,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
  type Order as CcxtOrder,
  type Trade as CcxtTrade,
} from 'ccxt';

// Pure translations between ccxt's unified model and the engine's. No I/O here.

/**
 * A ccxt float as a canonical decimal. ccxt parses the exchange's strings with Number(); 15 significant
 * digits undo the float noise its own arithmetic adds (average = cost / filled) without losing a digit any
 * exchange sends.
 */
export function toDecimal(n: number | string): Decimal {
  return dec(Number(n).toPrecision(15));
}

function optionalDecimal(n: number | string | undefined | null): Decimal | undefined {
  return n === undefined || n === null || n === '' ? undefined : toDecimal(n);
}

/** ccxt order status (+ filled amount) → engine status. */
export function mapOrderStatus(status: string | undefined, filled: number | undefined): OrderStatus {
  switch (status) {
    case 'open':
      return filled !== undefined && filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
    case 'closed':
      return 'FILLED';
    case 'canceled':
    case 'cancelled':
      return 'CANCELED';
    case 'canceling':
      return 'PENDING_CANCEL';
    case 'expired':
      return 'EXPIRED';
    case 'rejected':
      return 'REJECTED';
    default:
      return filled !== undefined && filled > 0 ? 'PARTIALLY_FILLED' : 'NEW';
  }
}

function mapType(type: string | undefined): OrderType {
  return type?.toLowerCase() === 'market' ? 'MARKET' : 'LIMIT';
}

function mapSide(side: string | undefined): Side {
  return side?.toLowerCase() === 'sell' ? 'SELL' : 'BUY';
}

function mapTimeInForce(tif: string | undefined): TimeInForce {
  const t = tif?.toUpperCase();
  return t === 'IOC' || t === 'FOK' ? t : 'GTC';
}

/**
 * A ccxt order as the engine's `VenueOrderReport`. `fallbackClientOrderId` is used when the exchange's
 * answer does not echo the client id (some exchanges do not on every endpoint).
 */
export function mapOrder(order: CcxtOrder, fallbackClientOrderId?: string): VenueOrderReport {
  const clientOrderId = order.clientOrderId ?? fallbackClientOrderId;
  if (!clientOrderId) throw new TypeError(`order ${order.id} carries no client order id`);
  const filled = order.filled ?? 0;
  const report: VenueOrderReport = {
    clientOrderId,
    venueOrderId: String(order.id),
    symbol: order.symbol ?? '',
    side: mapSide(order.side),
    type: mapType(order.type),
    timeInForce: mapTimeInForce(order.timeInForce),
    quantity: toDecimal(order.amount ?? 0),
    filledQuantity: toDecimal(filled),
    status: mapOrderStatus(order.status, filled),
    updatedAt: order.lastUpdateTimestamp ?? order.lastTradeTimestamp ?? order.timestamp ?? 0,
  };
  const price = report.type === 'LIMIT' ? optionalDecimal(order.price) : undefined;
  if (price !== undefined) report.price = price;
  const average = filled > 0 ? optionalDecimal(order.average) : undefined;
  if (average !== undefined) report.averageFillPrice = average;
  return report;
}

/** A ccxt trade as an engine `Fill` plus the order ids it belongs to. */
export function mapTrade(
  trade: CcxtTrade,
  clientOrderId: string,
): Fill & { clientOrderId: string; venueOrderId: string } {
  if (trade.id === undefined || trade.id === null) throw new TypeError('trade carries no id');
  return {
    fillId: String(trade.id),
    quantity: toDecimal(trade.amount ?? 0),
    price: toDecimal(trade.price ?? 0),
    timestamp: trade.timestamp ?? 0,
    clientOrderId,
    venueOrderId: String(trade.order ?? ''),
  };
}

const PRICE_WORDS = /price|PRICE_FILTER|tick|PERCENT_PRICE/i;
const QUANTITY_WORDS = /LOT_SIZE|quantity|amount|NOTIONAL|qty|volume|size/i;

/**
 * A ccxt error class → the engine's venue error code. Subclasses first: ccxt's hierarchy has
 * OrderNotFound under InvalidOrder and RateLimitExceeded under NetworkError.
 */
export function mapCcxtError(error: unknown): VenueErrorCode {
  if (!(error instanceof BaseError)) return 'UNKNOWN';
  if (error instanceof OrderNotFound) return 'NOT_FOUND';
  if (error instanceof InsufficientFunds) return 'INSUFFICIENT_FUNDS';
  if (error instanceof RateLimitExceeded || error instanceof DDoSProtection) return 'RATE_LIMITED';
  // The exchange refused the timestamp: a definite answer, the request did nothing.
  if (error instanceof InvalidNonce) return 'REJECTED';
  if (error instanceof ExchangeNotAvailable) return 'UNAVAILABLE';
  if (error instanceof RequestTimeout || error instanceof NetworkError) return 'NETWORK';
  if (error instanceof BadSymbol) return 'UNKNOWN_SYMBOL';
  if (error instanceof InvalidOrder) {
    if (PRICE_WORDS.test(error.message)) return 'INVALID_PRICE';
    if (QUANTITY_WORDS.test(error.message)) return 'INVALID_QUANTITY';
    return 'REJECTED';
  }
  if (error instanceof AuthenticationError) return 'REJECTED';
  if (error instanceof ExchangeError) return 'REJECTED';
  // OperationFailed that is not a NetworkError (BadResponse, server busy): the outcome is unknown.
  if (error instanceof OperationFailed) return 'UNAVAILABLE';
  return 'UNKNOWN';
}

/**
 * The message to show and log for a ccxt error: the class name and the exchange's text, with request
 * signatures and API-key-looking parameters removed. Credentials are never in ccxt messages (they travel
 * in headers), signatures can be.
 */
export function describeCcxtError(error: unknown): string {
  const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const prefix =
    error instanceof AuthenticationError ? 'authentication failed (check the API key and secret): ' : '';
  return (
    prefix +
    raw
      .replace(/(signature|apiKey|api_key|secret|passphrase|password)=[^&\s"]*/gi, '$1=<redacted>')
      .slice(0, 500)
  );
}
