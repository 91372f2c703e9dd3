import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Decimal } from '@veloz/engine';
import { BinanceApiError, createBinanceBook, type DoubleOrder, type DoubleSymbol } from './binance-book';

/**
 * A local Binance-spot-compatible REST server, just large enough for what ccxt's binance class calls with
 * this plugin's options: time, exchangeInfo, ticker, and the signed order endpoints (place, query, cancel,
 * open orders, my trades, account). It checks API keys, HMAC-SHA256 signatures and the recvWindow the way
 * Binance does, matches orders against a price the test sets (binance-book.ts), and has an admin surface to
 * script failures. REST only: no websocket streams.
 */

export interface BinanceDoubleOptions {
  apiKey: string;
  secret: string;
  symbols?: DoubleSymbol[];
  /** Largest recvWindow accepted (Binance: 60 000). */
  maxRecvWindowMs?: number;
}

/** A scripted failure: the next `count` matching requests get this answer instead of the real one. */
export interface ScriptedFailure {
  /** How many requests (default 1). */
  count?: number;
  method?: string;
  /** Path such as "/api/v3/order"; any path when absent. */
  path?: string;
  /** HTTP status (400 for most Binance errors, 429 rate limit, 503 unavailable). */
  status: number;
  /** Binance error code, e.g. -2010, -1013, -1003. */
  code: number;
  msg: string;
}

/** What the double saw. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Parameters (query and form body, without the signature). */
  params: Record<string, string>;
  signed: boolean;
  status: number;
  /** Binance error code when the answer was an error. */
  code?: number;
  /** True when the double destroyed the socket instead of answering. */
  dropped?: boolean;
  /** Epoch ms of arrival. */
  at: number;
}

export interface BinanceDouble {
  /** Base URL, e.g. "http://127.0.0.1:41234" (Binance paths are under /api/v3). */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Number of requests received so far. */
  requestCount(): number;
  /** Set the last price; resting limit orders that it crosses fill at their limit price. */
  setPrice(symbol: string, price: Decimal): void;
  /** Close every open connection and answer the next `failNext` requests by destroying their socket. */
  dropConnections(failNext?: number): Promise<void>;
  /** Script failures for the next matching requests. */
  failNext(failure: ScriptedFailure): void;
  /** Fill an open order (by client order id) for `quantity` (default: all that is left) at `price` (default: its limit). */
  fill(clientOrderId: string, quantity?: Decimal, price?: Decimal): void;
  /** An order as the double holds it, by client order id. */
  order(clientOrderId: string): Readonly<DoubleOrder> | undefined;
  /** Stop listening and drop every connection. Idempotent. */
  close(): Promise<void>;
}

const SIGNED_PATHS = new Set(['/api/v3/order', '/api/v3/openOrders', '/api/v3/myTrades', '/api/v3/account']);

/** Start the double on 127.0.0.1 and a free port. */
/** Start the double on 127.0.0.1 and a free port. */
export async function createBinanceDouble(options: BinanceDoubleOptions): Promise<BinanceDouble> {
  const book = createBinanceBook(options.symbols);
  const maxRecvWindow = options.maxRecvWindowMs ?? 60_000;
  const requests: RecordedRequest[] = [];
  const failures: (ScriptedFailure & { left: number })[] = [];
  const sockets = new Set<Socket>();
  let dropNext = 0;

  const verify = (
    req: http.IncomingMessage,
    rawQuery: string,
    rawBody: string,
    p: Record<string, string>,
  ) => {
    const key = req.headers['x-mbx-apikey'];
    if (key !== options.apiKey) {
      throw new BinanceApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    }
    const strip = (raw: string) =>
      raw
        .split('&')
        .filter((kv) => kv !== '' && !kv.startsWith('signature='))
        .join('&');
    const signature = p.signature;
    if (!signature)
      throw new BinanceApiError(
        400,
        -1102,
        "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
      );
    const payload = strip(rawQuery) + strip(rawBody);
    const expected = createHmac('sha256', options.secret).update(payload).digest('hex');
    const a = Buffer.from(expected);
    const b = Buffer.from(signature);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new BinanceApiError(400, -1022, 'Signature for this request is not valid.');
    }
    const ts = Number(p.timestamp);
    const recvWindow = p.recvWindow === undefined ? 5_000 : Number(p.recvWindow);
    if (!Number.isFinite(recvWindow) || recvWindow > maxRecvWindow) {
      throw new BinanceApiError(400, -1131, 'recvWindow must be less than 60000');
    }
    const now = Date.now();
    if (!Number.isFinite(ts) || ts > now + 1_000 || now - ts > recvWindow) {
      throw new BinanceApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    }
  };

  const route = (method: string, path: string, p: Record<string, string>): unknown => {
    switch (`${method} ${path}`) {
      case 'GET /api/v3/ping':
        return {};
      case 'GET /api/v3/time':
        return { serverTime: Date.now() };
      case 'GET /api/v3/exchangeInfo':
        return book.exchangeInfo();
      case 'GET /api/v3/ticker/24hr':
        return book.ticker(p);
      case 'POST /api/v3/order':
        return book.newOrder(p);
      case 'DELETE /api/v3/order':
        return book.cancel(p);
      case 'GET /api/v3/order':
        return book.queryOrder(p);
      case 'GET /api/v3/openOrders':
        return book.openOrders(p);
      case 'GET /api/v3/myTrades':
        return book.myTrades(p);
      case 'GET /api/v3/account':
        return {
          makerCommission: 0,
          takerCommission: 0,
          canTrade: true,
          canWithdraw: false,
          canDeposit: false,
          updateTime: Date.now(),
          accountType: 'SPOT',
          balances: [],
          permissions: ['SPOT'],
        };
      default:
        throw new BinanceApiError(404, -1, `the double does not implement ${method} ${path}`);
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const full = req.url ?? '/';
      const qIndex = full.indexOf('?');
      const path = qIndex < 0 ? full : full.slice(0, qIndex);
      const rawQuery = qIndex < 0 ? '' : full.slice(qIndex + 1);
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const params: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(rawQuery)) params[k] = v;
      for (const [k, v] of new URLSearchParams(rawBody)) params[k] = v;
      const { signature: _signature, ...shown } = params;
      const signed = SIGNED_PATHS.has(path);
      const record: RecordedRequest = { method, path, params: shown, signed, status: 0, at: Date.now() };
      requests.push(record);

      if (dropNext > 0) {
        dropNext--;
        record.dropped = true;
        req.socket.destroy();
        return;
      }
      const send = (status: number, body: unknown) => {
        record.status = status;
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
        res.end(text);
      };
      const failure = failures.find(
        (f) =>
          f.left > 0 &&
          (f.method === undefined || f.method === method) &&
          (f.path === undefined || f.path === path),
      );
      if (failure) {
        failure.left--;
        if (failure.left === 0) failures.splice(failures.indexOf(failure), 1);
        record.code = failure.code;
        if (failure.status === 429) res.setHeader('retry-after', '1');
        send(failure.status, { code: failure.code, msg: failure.msg });
        return;
      }
      try {
        if (signed) verify(req, rawQuery, rawBody, params);
        send(200, route(method, path, params));
      } catch (error) {
        if (error instanceof BinanceApiError) {
          record.code = error.code;
          send(error.status, { code: error.code, msg: error.message });
        } else {
          record.code = -1000;
          send(500, {
            code: -1000,
            msg: `An unknown error occurred while processing the request. ${String(error)}`,
          });
        }
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestCount: () => requests.length,

    setPrice: (symbol, price) => book.setPrice(symbol, price),

    async dropConnections(failNext = 1) {
      dropNext = failNext;
      const closed = [...sockets].map(
        (s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))),
      );
      for (const s of sockets) s.destroy();
      await Promise.all(closed);
    },

    failNext(failure) {
      failures.push({ ...failure, left: failure.count ?? 1 });
    },

    fill: (clientOrderId, quantity, price) => book.fill(clientOrderId, quantity, price),
    order: (clientOrderId) => book.order(clientOrderId),

    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
