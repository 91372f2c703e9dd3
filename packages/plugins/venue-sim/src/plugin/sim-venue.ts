import {
  createConnectionSupervisor,
  VenueError,
  type ConnectionSupervisor,
  type ExecutionReport,
  type Fill,
  type InstrumentSpec,
  type MarketTick,
  type OrderRequest,
  type PluginContext,
  type SubmitResult,
  type VenueOrderReport,
  type VenuePlugin,
} from '@veloz/engine';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { WebSocket } from 'ws';
import type { SimWsMessage } from '../server/ws-hub';
import { parseSimVenueConfig, type SimVenueConfigInput } from './config';
import { createHttpClient } from './http-client';

interface WsConnection {
  ws: WebSocket;
  disconnect(): void;
}

/** Codes a submission can be refused with (anything else is thrown as a VenueError). */
const REJECT_CODES = new Set([
  'REJECTED',
  'INSUFFICIENT_FUNDS',
  'INVALID_PRICE',
  'INVALID_QUANTITY',
  'UNKNOWN_SYMBOL',
]);

/**
 * The venue plugin of the simulated exchange (`venue:sim`): HTTP for requests, a WebSocket for
 * execution reports and ticks, kept up by the engine's connection supervisor. Execution reports carry a
 * sequence; after a reconnect the plugin asks the exchange to resend those it missed (`/ws?since=`), so a
 * drop loses nothing the exchange pushed (a gap in the exchange's journal is logged as an error).
 * Config is validated here; a bad value throws VelozError CONFIG_INVALID.
 */
export function createSimVenue(input: SimVenueConfigInput = {}): VenuePlugin {
  const config = parseSimVenueConfig(input);
  const http = createHttpClient(config.url, config.requestTimeoutMs);
  const wsUrl = `${config.url.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`;
  const executions = new Subject<ExecutionReport>();
  const ticks = new Subject<MarketTick>();
  let logger: Logger = pino({ level: 'silent' });
  /** Highest execution sequence delivered; undefined before the first hello. */
  let lastSeq: number | undefined;
  let startPromise: Promise<void> | undefined;
  let stopPromise: Promise<void> | undefined;

  const supervisor: ConnectionSupervisor<WsConnection> = createConnectionSupervisor<WsConnection>({
    backoff: config.backoff,
    connectTimeoutMs: config.connectTimeoutMs,
    // The supervisor exists before start (connection$ must), the plugin's logger only from start on.
    logger: new Proxy({} as Logger, { get: (_t, key) => Reflect.get(logger, key, logger) as unknown }),
    connect: (signal) => openSocket(signal),
  });

  function onMessage(msg: SimWsMessage): void {
    switch (msg.type) {
      case 'hello':
        if (lastSeq !== undefined && msg.seq < lastSeq) {
          logger.warn(
            { serverSeq: msg.seq, lastSeq },
            'exchange restarted: its sequence went back; reconcile',
          );
          lastSeq = msg.seq;
        }
        lastSeq ??= msg.seq;
        return;
      case 'execution':
        if (lastSeq !== undefined && msg.seq <= lastSeq) return;
        lastSeq = msg.seq;
        executions.next(msg.report);
        return;
      case 'gap':
        logger.error({ from: msg.from, to: msg.to }, 'execution reports lost by the exchange; reconcile');
        return;
      case 'tick':
        ticks.next(msg.tick);
        return;
    }
  }

  function openSocket(signal: AbortSignal): Promise<WsConnection> {
    return new Promise<WsConnection>((resolve, reject) => {
      const url = lastSeq === undefined ? wsUrl : `${wsUrl}?since=${lastSeq}`;
      const ws = new WebSocket(url, { handshakeTimeout: config.connectTimeoutMs });
      let heartbeat: NodeJS.Timeout | undefined;
      let ready = false;
      const conn: WsConnection = {
        ws,
        disconnect() {
          clearTimeout(heartbeat);
          ws.terminate();
        },
      };
      const armHeartbeat = () => {
        clearTimeout(heartbeat);
        heartbeat = setTimeout(() => {
          logger.warn({ timeoutMs: config.heartbeatTimeoutMs }, 'no heartbeat from the exchange');
          ws.terminate();
        }, config.heartbeatTimeoutMs);
      };
      const onAbort = () => {
        conn.disconnect();
        reject(signal.reason instanceof Error ? signal.reason : new Error('connect aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      ws.on('ping', armHeartbeat);
      ws.on('message', (data) => {
        let msg: SimWsMessage;
        try {
          msg = JSON.parse(String(data)) as SimWsMessage;
        } catch (err) {
          logger.error({ err }, 'undecodable message from the exchange');
          return;
        }
        armHeartbeat();
        onMessage(msg);
        if (!ready && msg.type === 'hello') {
          ready = true;
          signal.removeEventListener('abort', onAbort);
          resolve(conn);
        }
      });
      ws.on('error', (err) => {
        if (!ready) reject(err);
      });
      ws.on('close', (code) => {
        clearTimeout(heartbeat);
        if (!ready) reject(new Error(`WebSocket closed before hello (${code})`));
        else supervisor.notifyLost(new Error(`WebSocket closed (${code})`), conn);
      });
    });
  }

  return {
    name: `venue:${config.venue}`,
    venue: config.venue,
    connection$: supervisor.connection$,
    connectionStatus: () => supervisor.status(),
    executions$: executions.asObservable(),
    marketData$: ticks.asObservable(),

    start(ctx: PluginContext) {
      startPromise ??= (async () => {
        logger = ctx.logger;
        supervisor.start();
        try {
          await supervisor.connected(config.startWaitMs);
        } catch (err) {
          logger.warn({ err, url: config.url }, 'exchange not reachable yet; still trying');
        }
      })();
      return startPromise;
    },

    stop() {
      stopPromise ??= (async () => {
        await supervisor.stop();
        http.close();
        executions.complete();
        ticks.complete();
      })();
      return stopPromise;
    },

    async instruments(): Promise<InstrumentSpec[]> {
      const res = await http.request<{ instruments: (InstrumentSpec & { price?: string })[] }>(
        'GET',
        '/api/instruments',
        { retryOnce: true },
      );
      if (!res.ok) throw new VenueError(res.code, res.message);
      return res.body.instruments.map(({ price: _price, ...spec }) => spec);
    },

    async submitOrder(order: OrderRequest): Promise<SubmitResult> {
      const body = {
        clientOrderId: order.clientOrderId,
        symbol: order.symbol,
        side: order.side,
        type: order.type,
        timeInForce: order.timeInForce,
        quantity: order.quantity,
        ...(order.price !== undefined ? { price: order.price } : {}),
      };
      // Safe to resend: the exchange answers a known clientOrderId with the existing order.
      const res = await http.request<{ order: VenueOrderReport }>('POST', '/api/orders', {
        body,
        retryOnce: true,
      });
      if (res.ok)
        return { status: 'ACCEPTED', venueOrderId: res.body.order.venueOrderId, report: res.body.order };
      logger.info(
        { clientOrderId: order.clientOrderId, code: res.code, reason: res.message },
        'order rejected by venue',
      );
      if (REJECT_CODES.has(res.code)) return { status: 'REJECTED', reason: res.message, code: res.code };
      throw new VenueError(res.code, res.message);
    },

    async cancelOrder(ref) {
      const path = `/api/orders/${encodeURIComponent(ref.clientOrderId)}`;
      let resent = false;
      let res;
      try {
        res = await http.request('DELETE', path);
      } catch (err) {
        // A dropped keep-alive socket fails the first request that reuses it: resend once. If the first
        // attempt did cancel, the resend answers NOT_FOUND, which the status check below tells apart.
        if (!(err instanceof VenueError) || err.venueCode !== 'NETWORK' || /timed out/.test(err.message))
          throw err;
        resent = true;
        res = await http.request('DELETE', path);
      }
      if (res.ok) return;
      if (resent && res.code === 'NOT_FOUND') {
        const status = await http.request<{ order: VenueOrderReport }>('GET', path);
        if (status.ok && status.body.order.status === 'CANCELED') return;
      }
      throw new VenueError(res.code, `cancel ${ref.clientOrderId}: ${res.message}`);
    },

    async openOrders(symbol?: string): Promise<VenueOrderReport[]> {
      const query = symbol === undefined ? '' : `?symbol=${encodeURIComponent(symbol)}`;
      const res = await http.request<{ orders: VenueOrderReport[] }>('GET', `/api/orders/open${query}`, {
        retryOnce: true,
      });
      if (!res.ok) throw new VenueError(res.code, res.message);
      return res.body.orders;
    },

    async orderStatus(clientOrderId: string): Promise<VenueOrderReport | undefined> {
      const res = await http.request<{ order: VenueOrderReport }>(
        'GET',
        `/api/orders/${encodeURIComponent(clientOrderId)}`,
        {
          retryOnce: true,
        },
      );
      if (res.ok) return res.body.order;
      if (res.code === 'NOT_FOUND') return undefined;
      throw new VenueError(res.code, res.message);
    },

    async recentFills(sinceMs: number, symbol?: string) {
      const query = `?since=${sinceMs}${symbol === undefined ? '' : `&symbol=${encodeURIComponent(symbol)}`}`;
      const res = await http.request<{
        fills: (Fill & { clientOrderId: string; venueOrderId: string; symbol?: string })[];
      }>('GET', `/api/fills${query}`, { retryOnce: true });
      if (!res.ok) throw new VenueError(res.code, res.message);
      return res.body.fills.map(({ symbol: _s, ...f }) => f);
    },
  };
}

/** Plugin-host convention: every plugin package exports `createPlugin`. */
export const createPlugin = createSimVenue;
