import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  cmp,
  isDecimal,
  isPositive,
  mul,
  type Decimal,
  type ExecutionReport,
  type Side,
  type VenueErrorCode,
  type VenueOrderReport,
} from '@veloz/engine';
import type { Logger } from 'pino';
import { handleAdmin } from './admin-routes';
import { handleApi } from './api-routes';
import {
  instrumentsOf,
  parseSimExchangeConfig,
  type SimExchangeConfig,
  type SimExchangeConfigInput,
} from './config';
import { floorToStep, isMultipleOf, maxDec } from './decimal-steps';
import { HttpError, sendError } from './http-util';
import { MatchingEngine, type SimOrderInput } from './matching-engine';
import { createPriceFeed } from './price-feed';
import { createWsHub, type WsHub } from './ws-hub';

/** Whether an admin change is pushed to clients; `false` simulates a lost message. */
export interface PushOption {
  push?: boolean;
}

/** Fault injection and test setup, served over HTTP under `/admin` and callable in-process. */
export interface SimExchangeAdmin {
  /** Terminate every WebSocket and destroy every HTTP socket of the trading port. */
  dropConnections(): { websockets: number; sockets: number };
  /** Drop all connections and destroy new ones on the trading port for `ms`; `0` ends a refusal at once. */
  refuseConnections(ms: number): void;
  /** The next `count` order submissions are rejected with `code`. */
  rejectNext(code: VenueErrorCode, reason: string, count?: number): void;
  /** The next `count` `/api` requests answer `status` (503: UNAVAILABLE, 429: RATE_LIMITED). */
  failNext(count: number, status?: number): void;
  /** Create an order the client never sent; `clientOrderId` defaults to `orphan-<n>`. */
  createOrphan(
    order: Partial<SimOrderInput> & { symbol: string; side: Side; quantity: Decimal } & PushOption,
  ): { ok: true; order: VenueOrderReport } | { ok: false; code: VenueErrorCode; reason: string };
  /** Fill an open order behind the client's back (whole remaining quantity by default). */
  fill(
    clientOrderId: string,
    options?: { quantity?: Decimal; price?: Decimal } & PushOption,
  ): { ok: true; order: VenueOrderReport } | { ok: false; code: VenueErrorCode; reason: string };
  /** Cancel an open order behind the client's back. */
  cancel(
    clientOrderId: string,
    options?: PushOption,
  ): { ok: true; order: VenueOrderReport } | { ok: false; code: VenueErrorCode; reason: string };
  /** Move a symbol's price (a tick: resting orders it crosses fill). False for an unknown symbol or bad price. */
  setPrice(symbol: string, price: Decimal): boolean;
  /**
   * Create `count` resting GTC LIMIT orders at once, far from the price (BUY at half the price, SELL at
   * double), of the minimum quantity. Ids are `<prefix>-<i>`. Not pushed unless `push`.
   */
  bulkOrders(options: { symbol: string; count: number; side?: Side; prefix?: string } & PushOption): number;
  stats(): { openOrders: number; websockets: number; sockets: number; lastSeq: number; refusing: boolean };
}

/** A running (or startable) simulated exchange. */
export interface SimExchange {
  readonly config: SimExchangeConfig;
  readonly admin: SimExchangeAdmin;
  readonly engine: MatchingEngine;
  /** Listen; resolves with the bound ports. Idempotent. */
  start(): Promise<{ port: number; adminPort?: number }>;
  /** Close everything. Idempotent. */
  stop(): Promise<void>;
  /** `http://host:port` of the trading port (after start). */
  readonly url: string;
  /** Base URL of the admin API (`<url>/admin`, or the admin port's). */
  readonly adminUrl: string;
}

/** Shared internals the route handlers use. */
export interface ExchangeContext {
  engine: MatchingEngine;
  hub: WsHub;
  admin: SimExchangeAdmin;
  logger?: Logger;
  publish(reports: ExecutionReport[]): void;
  /** Consume one injected failure; the status to answer, or undefined. */
  takeFailure(): number | undefined;
}

/**
 * Create the simulated exchange (not yet listening). Config is validated here; a bad value throws
 * SimConfigError naming it.
 */
export function createSimExchange(
  input: SimExchangeConfigInput = {},
  options: { logger?: Logger } = {},
): SimExchange {
  const config = parseSimExchangeConfig(input);
  const logger = options.logger;
  const engine = new MatchingEngine({
    instruments: instrumentsOf(config),
    fillFraction: config.fillFraction,
    ...(config.balance !== undefined ? { balance: config.balance } : {}),
  });
  const feed = createPriceFeed({
    seed: config.seed,
    volatility: config.volatility,
    ...(config.replay ? { replay: config.replay } : {}),
  });
  const latency = () =>
    config.latencyMs + (config.jitterMs > 0 ? Math.floor(Math.random() * (config.jitterMs + 1)) : 0);
  const hub = createWsHub({
    heartbeatMs: config.heartbeatMs,
    journalSize: config.journalSize,
    latency,
    snapshot: () =>
      engine.symbols().map((symbol) => ({ symbol, price: engine.price(symbol)!, ts: Date.now() })),
  });

  const tradingSockets = new Set<Socket>();
  let refusingUntil = 0;
  let failures: { remaining: number; status: number } = { remaining: 0, status: 503 };
  let orphanSeq = 0;
  let server: Server | undefined;
  let adminServer: Server | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let started: Promise<{ port: number; adminPort?: number }> | undefined;
  let stopped: Promise<void> | undefined;
  let port = 0;
  let adminPort: number | undefined;

  const publish = (reports: ExecutionReport[]) => {
    for (const r of reports) hub.pushExecution(r);
  };

  const tick = (symbol: string, price: Decimal) => {
    const now = Date.now();
    const reports = engine.setPrice(symbol, price, now) ?? [];
    hub.pushTick({ symbol, price, ts: now });
    publish(reports);
  };

  const admin: SimExchangeAdmin = {
    dropConnections() {
      const websockets = hub.terminateAll();
      const sockets = tradingSockets.size;
      for (const s of tradingSockets) s.destroy();
      tradingSockets.clear();
      logger?.info({ websockets, sockets }, 'admin: dropped all connections');
      return { websockets, sockets };
    },
    refuseConnections(ms) {
      if (ms <= 0) {
        refusingUntil = 0;
        logger?.info('admin: accepting connections again');
        return;
      }
      refusingUntil = Date.now() + ms;
      admin.dropConnections();
      logger?.info({ ms }, 'admin: refusing connections');
    },
    rejectNext(code, reason, count = 1) {
      engine.rejectNext(code, reason, count);
    },
    failNext(count, status = 503) {
      failures = { remaining: count, status };
    },
    createOrphan(order) {
      const inst = engine.instrument(order.symbol);
      const clientOrderId = order.clientOrderId ?? `orphan-${++orphanSeq}`;
      const type = order.type ?? 'LIMIT';
      const price =
        type === 'MARKET'
          ? undefined
          : (order.price ??
            (inst ? awayPrice(order.side, engine.price(order.symbol)!, inst.tickSize) : undefined));
      const out = engine.submit(
        {
          clientOrderId,
          symbol: order.symbol,
          side: order.side,
          type,
          timeInForce: order.timeInForce ?? 'GTC',
          quantity: order.quantity,
          ...(price !== undefined ? { price } : {}),
        },
        Date.now(),
      );
      if (!out.ok) return { ok: false, code: out.code, reason: out.reason };
      if (out.duplicate)
        return { ok: false, code: 'REJECTED', reason: `order ${clientOrderId} already exists` };
      if (order.push !== false) publish(out.reports);
      return { ok: true, order: out.order };
    },
    fill(clientOrderId, opts = {}) {
      const out = engine.forceFill(clientOrderId, Date.now(), opts.quantity, opts.price);
      if (!out.ok) return out;
      if (opts.push !== false) publish(out.reports);
      return { ok: true, order: out.order };
    },
    cancel(clientOrderId, opts = {}) {
      const out = engine.cancel(clientOrderId, Date.now(), 'canceled by the venue');
      if (!out.ok) return out;
      if (opts.push !== false) publish(out.reports);
      return { ok: true, order: out.order };
    },
    setPrice(symbol, price) {
      const inst = engine.instrument(symbol);
      if (!inst || !isDecimal(price) || !isPositive(price) || !isMultipleOf(price, inst.tickSize))
        return false;
      tick(symbol, price);
      return true;
    },
    bulkOrders({ symbol, count, side = 'BUY', prefix = 'bulk', push = false }) {
      const inst = engine.instrument(symbol);
      if (!inst) return 0;
      const price = awayPrice(side, engine.price(symbol)!, inst.tickSize);
      const now = Date.now();
      let created = 0;
      for (let i = 0; i < count; i++) {
        const out = engine.submit(
          {
            clientOrderId: `${prefix}-${i}`,
            symbol,
            side,
            type: 'LIMIT',
            timeInForce: 'GTC',
            quantity: inst.minQuantity,
            price,
          },
          now,
        );
        if (out.ok && !out.duplicate) {
          created++;
          if (push) publish(out.reports);
        }
      }
      return created;
    },
    stats() {
      return {
        openOrders: engine.openOrderCount(),
        websockets: hub.clientCount(),
        sockets: tradingSockets.size,
        lastSeq: hub.lastSeq(),
        refusing: Date.now() < refusingUntil,
      };
    },
  };

  const ctx: ExchangeContext = {
    engine,
    hub,
    admin,
    ...(logger ? { logger } : {}),
    publish,
    takeFailure() {
      if (failures.remaining <= 0) return undefined;
      failures.remaining--;
      return failures.status;
    },
  };

  const route = (serveApi: boolean) => async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    try {
      if (url.pathname.startsWith('/admin/')) return await handleAdmin(ctx, req, res, url);
      if (serveApi && url.pathname.startsWith('/api/')) {
        await delayFor(latency());
        return await handleApi(ctx, req, res, url);
      }
      sendError(res, 404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    } catch (err) {
      if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message);
      logger?.error({ err }, 'request failed');
      sendError(res, 500, 'UNKNOWN', 'internal error');
    }
  };

  async function listen(s: Server, p: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(p, config.host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    return (s.address() as AddressInfo).port;
  }

  return {
    config,
    admin,
    engine,
    get url() {
      return `http://${config.host}:${port}`;
    },
    get adminUrl() {
      return adminPort !== undefined
        ? `http://${config.host}:${adminPort}/admin`
        : `http://${config.host}:${port}/admin`;
    },
    start() {
      started ??= (async () => {
        server = createServer(route(true));
        server.keepAliveTimeout = 30_000;
        server.on('connection', (socket: Socket) => {
          if (Date.now() < refusingUntil) {
            socket.destroy();
            return;
          }
          tradingSockets.add(socket);
          socket.on('close', () => tradingSockets.delete(socket));
        });
        server.on('upgrade', (req, socket, head) => {
          if (new URL(req.url ?? '/', 'http://sim').pathname !== '/ws') return socket.destroy();
          hub.handleUpgrade(req, socket, head);
        });
        port = await listen(server, config.port);
        if (config.adminPort !== undefined) {
          adminServer = createServer(route(false));
          adminPort = await listen(adminServer, config.adminPort);
        }
        if (config.tickIntervalMs > 0) {
          ticker = setInterval(() => {
            for (const symbol of engine.symbols()) {
              const inst = engine.instrument(symbol)!;
              tick(symbol, feed.next(symbol, engine.price(symbol)!, inst.tickSize));
            }
          }, config.tickIntervalMs);
        }
        logger?.info({ port, adminPort, symbols: engine.symbols() }, 'simulated exchange listening');
        return adminPort !== undefined ? { port, adminPort } : { port };
      })();
      return started;
    },
    stop() {
      stopped ??= (async () => {
        if (ticker) clearInterval(ticker);
        hub.close();
        for (const s of [server, adminServer]) {
          if (!s) continue;
          s.closeAllConnections();
          await new Promise<void>((resolve) => s.close(() => resolve()));
        }
        for (const s of tradingSockets) s.destroy();
        logger?.info('simulated exchange stopped');
      })();
      return stopped;
    },
  };
}

/** A price that will not cross soon: half the current price for a BUY, double for a SELL, on the tick. */
function awayPrice(side: Side, current: Decimal, tickSize: Decimal): Decimal {
  const target = side === 'BUY' ? mul(current, '0.5') : mul(current, '2');
  const p = floorToStep(target, tickSize);
  return cmp(p, tickSize) < 0 ? tickSize : maxDec(p, tickSize);
}

function delayFor(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
