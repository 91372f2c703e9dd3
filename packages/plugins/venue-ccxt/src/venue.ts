import {
  createConnectionSupervisor,
  VenueError,
  type ConnectionStatus,
  type ConnectionSupervisor,
  type Decimal,
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
import { DuplicateOrderId, type Exchange, type Order as CcxtOrder } from 'ccxt';
import type { Logger } from 'pino';
import { BehaviorSubject, Subject, type Subscription } from 'rxjs';
import { CcxtVenueError, parseCcxtVenueConfig, readCredentials, type CcxtVenueConfigInput } from './config';
import { createExchange } from './exchange';
import { createExecutionSync, type ExecutionSync } from './execution-sync';
import { createExecutionTracker, type ExecutionTracker } from './execution-tracker';
import { describeCcxtError, mapCcxtError, mapOrder, mapTrade, toDecimal } from './map';
import { checkOrder, marketRules, toInstrumentSpec, type MarketRules } from './rules';

/** Extra knobs for tests and embedding; not part of the validated config. */
export interface CcxtVenueOptions {
  /** Where credentials are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** The REST "connection": nothing to close, it only marks which probe succeeded. */
interface Session {
  readonly startedAt: number;
  disconnect(): void;
}

const DISCONNECTED: ConnectionStatus = { state: 'DISCONNECTED', reconnectCount: 0 };

/**
 * A venue plugin for any exchange ccxt supports. REST polling for executions, market data and health
 * (ccxt.pro `watch*` on top where the exchange has them and `websocket` is on). Orders are checked against
 * the exchange's precision and limits before they are sent; client order ids travel to the exchange.
 */
export function createCcxtVenue(input: CcxtVenueConfigInput, opts: CcxtVenueOptions = {}): VenuePlugin {
  const config = parseCcxtVenueConfig(input);
  const venue = config.id;

  const status$ = new BehaviorSubject<ConnectionStatus>(DISCONNECTED);
  const executions = new Subject<ExecutionReport>();
  const marketData = new Subject<MarketTick>();

  let ctx: PluginContext | undefined;
  let log: Logger | undefined;
  let exchange: Exchange | undefined;
  let supervisor: ConnectionSupervisor<Session> | undefined;
  let supervisorSub: Subscription | undefined;
  let tracker: ExecutionTracker = createExecutionTracker();
  let sync: ExecutionSync | undefined;
  const rules = new Map<string, MarketRules>();
  const lastPrice = new Map<string, Decimal>();
  const missingSymbols: string[] = [];
  let started = false;
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const timers = new Set<NodeJS.Timeout>();
  let backgroundErrors = 0;

  const now = () => ctx?.clock.now() ?? Date.now();
  const emit = (reports: ExecutionReport[]) => {
    for (const r of reports) {
      log?.debug({ clientOrderId: r.clientOrderId, kind: r.kind }, 'execution');
      executions.next(r);
    }
  };

  const ex = (): Exchange => {
    if (!exchange || stopped) throw new VenueError('UNAVAILABLE', `venue ${venue} is not started`);
    return exchange;
  };

  /** A venue call failed: make it a VenueError, and tell the supervisor when the network is the reason. */
  const fail = (error: unknown, session?: Session): VenueError => {
    const code = mapCcxtError(error);
    const message = describeCcxtError(error);
    if ((code === 'NETWORK' || code === 'UNAVAILABLE') && supervisor) {
      supervisor.notifyLost(message, session ?? supervisor.current());
    }
    return new VenueError(code, message, { cause: error });
  };

  const connect = async (): Promise<Session> => {
    const e = ex();
    const serverTime = await e.fetchTime();
    if (rules.size === 0) {
      await e.loadMarkets();
      for (const symbol of config.symbols) {
        const market = e.markets?.[symbol];
        if (market) {
          rules.set(symbol, marketRules(market, e.precisionMode ?? 4));
        } else if (!missingSymbols.includes(symbol)) {
          missingSymbols.push(symbol);
          log?.error(
            { symbol, exchange: config.exchange },
            'configured symbol is not listed by the exchange',
          );
        }
      }
      sync?.setTradeCursor(serverTime ?? now());
    }
    return { startedAt: now(), disconnect: () => undefined };
  };

  const backgroundError = (what: string, error: unknown, session: Session) => {
    backgroundErrors++;
    const err = fail(error, session);
    log?.warn({ err: err.message, code: err.venueCode, errors: backgroundErrors }, `${what} failed`);
  };

  const loop = (what: string, intervalMs: number, body: () => Promise<void>) => {
    const tick = async () => {
      const session = supervisor?.current();
      if (session) {
        try {
          await body();
        } catch (error) {
          if (!stopped) backgroundError(what, error, session);
        }
      }
      if (stopped) return;
      const t = setTimeout(() => {
        timers.delete(t);
        void tick();
      }, intervalMs);
      timers.add(t);
    };
    void tick();
  };

  const pollExecutions = async () => {
    for (const symbol of config.symbols) if (rules.has(symbol)) await sync?.pollSymbol(symbol);
    tracker.compact();
  };

  const tickOf = (
    symbol: string,
    t: { last?: number; close?: number; bid?: number; ask?: number; timestamp?: number },
  ) => {
    const last =
      t.last ?? t.close ?? (t.bid !== undefined && t.ask !== undefined ? (t.bid + t.ask) / 2 : undefined);
    if (last === undefined) return;
    const tick: MarketTick = { symbol, price: toDecimal(last), ts: t.timestamp ?? now() };
    if (t.bid !== undefined) tick.bid = toDecimal(t.bid);
    if (t.ask !== undefined) tick.ask = toDecimal(t.ask);
    lastPrice.set(symbol, tick.price);
    marketData.next(tick);
  };

  const pollMarketData = async () => {
    for (const symbol of config.symbols) {
      if (rules.has(symbol)) tickOf(symbol, await ex().fetchTicker(symbol));
    }
  };

  /** ccxt.pro watchers: lower latency on top of polling, which stays on as the safety net. */
  const watch = (what: string, body: () => Promise<void>) => {
    const run = async () => {
      while (!stopped) {
        try {
          await (supervisor?.connected() ?? Promise.reject(new Error('no supervisor')));
          await body();
        } catch (error) {
          if (stopped) return;
          log?.warn({ err: describeCcxtError(error) }, `${what} failed; polling covers until it recovers`);
          await new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              timers.delete(t);
              resolve();
            }, config.pollIntervalMs);
            timers.add(t);
          });
        }
      }
    };
    void run();
  };

  const startWatchers = (e: Exchange) => {
    for (const symbol of config.symbols) {
      if (e.has['watchOrders']) {
        watch(`watchOrders ${symbol}`, async () => {
          for (const o of await e.watchOrders(symbol)) if (o.clientOrderId) sync?.observeOrder(o);
        });
      }
      if (e.has['watchMyTrades']) {
        watch(`watchMyTrades ${symbol}`, async () => {
          for (const t of await e.watchMyTrades(symbol)) {
            const cid = await sync?.clientOrderIdOf(t, symbol);
            if (cid) sync?.observeTrade(t, cid);
          }
        });
      }
      if (e.has['watchTicker'] && config.marketDataPollMs > 0) {
        watch(`watchTicker ${symbol}`, async () => tickOf(symbol, await e.watchTicker(symbol)));
      }
    }
  };

  const sameOrder = async (order: OrderRequest): Promise<VenueOrderReport | undefined> => {
    try {
      return await plugin.orderStatus(order.clientOrderId, order.symbol);
    } catch {
      return undefined;
    }
  };

  const plugin: VenuePlugin = {
    name: `venue:${venue}`,
    venue,
    connection$: status$.asObservable(),
    executions$: executions.asObservable(),
    marketData$: marketData.asObservable(),

    connectionStatus: () => status$.getValue(),

    async start(context) {
      if (started) return;
      if (stopped) throw new CcxtVenueError('CCXT_STOPPED', `venue ${venue} was stopped; create a new one`);
      started = true;
      ctx = context;
      log = context.logger;
      const credentials = readCredentials(config, opts.env);
      exchange = createExchange(config, credentials);
      tracker = createExecutionTracker();
      sync = createExecutionSync({ exchange: ex, tracker, emit, now });
      log.info(
        {
          exchange: config.exchange,
          venue,
          sandbox: config.sandbox,
          symbols: config.symbols,
          baseUrl: config.baseUrl,
          websocket: config.websocket,
          apiKeyEnv: config.apiKeyEnv,
          secretEnv: config.secretEnv,
        },
        'starting ccxt venue',
      );
      supervisor = createConnectionSupervisor<Session>({
        connect: connect,
        backoff: config.reconnect,
        connectTimeoutMs: config.timeoutMs,
        clock: context.clock,
        logger: log,
      });
      supervisorSub = supervisor.connection$.subscribe((s) => status$.next(s));
      supervisor.start();
      try {
        await supervisor.connected(config.startTimeoutMs);
      } catch {
        log.warn({ status: status$.getValue() }, 'not connected yet; retrying in the background');
      }
      if (missingSymbols.length > 0) {
        await plugin.stop();
        throw new CcxtVenueError(
          'CCXT_CONFIG_INVALID',
          `invalid venue-ccxt config: symbols: ${missingSymbols.join(', ')} not listed by ${config.exchange}`,
        );
      }
      loop('order poll', config.pollIntervalMs, pollExecutions);
      if (config.marketDataPollMs > 0) loop('ticker poll', config.marketDataPollMs, pollMarketData);
      if (config.websocket) startWatchers(exchange);
    },

    stop() {
      if (stopping) return stopping;
      stopped = true;
      stopping = (async () => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        try {
          await supervisor?.stop();
        } catch (error) {
          log?.warn({ err: describeCcxtError(error) }, 'supervisor stop failed');
        }
        supervisorSub?.unsubscribe();
        if (status$.getValue().state !== 'DISCONNECTED')
          status$.next({ ...status$.getValue(), state: 'DISCONNECTED' });
        try {
          await exchange?.close();
        } catch (error) {
          log?.warn({ err: describeCcxtError(error) }, 'closing ccxt failed');
        }
        status$.complete();
        executions.complete();
        marketData.complete();
        log?.info({ venue }, 'ccxt venue stopped');
      })();
      return stopping;
    },

    async instruments(): Promise<InstrumentSpec[]> {
      ex();
      if (rules.size === 0) await supervisor?.connected(config.timeoutMs);
      return [...rules.values()].map(toInstrumentSpec);
    },

    async submitOrder(order): Promise<SubmitResult> {
      const e = ex();
      const rule = rules.get(order.symbol);
      if (!rule) {
        if (rules.size === 0) throw new VenueError('UNAVAILABLE', `venue ${venue}: markets not loaded yet`);
        return {
          status: 'REJECTED',
          code: 'UNKNOWN_SYMBOL',
          reason: `${order.symbol} is not configured on ${venue}`,
        };
      }
      const violation = checkOrder(order, rule, lastPrice.get(order.symbol));
      if (violation) {
        log?.info({ clientOrderId: order.clientOrderId, code: violation.code }, violation.reason);
        return { status: 'REJECTED', code: violation.code, reason: violation.reason };
      }
      const params: Record<string, unknown> = { clientOrderId: order.clientOrderId };
      if (order.type === 'LIMIT') params.timeInForce = order.timeInForce;
      let placed: CcxtOrder;
      try {
        placed = await e.createOrder(
          order.symbol,
          order.type === 'LIMIT' ? 'limit' : 'market',
          order.side === 'BUY' ? 'buy' : 'sell',
          Number(order.quantity),
          order.price === undefined ? undefined : Number(order.price),
          params,
        );
      } catch (error) {
        const code = mapCcxtError(error);
        if (error instanceof DuplicateOrderId || /duplicate order/i.test(String((error as Error)?.message))) {
          const existing = await sameOrder(order);
          if (existing) return { status: 'ACCEPTED', venueOrderId: existing.venueOrderId, report: existing };
        }
        if (code === 'NETWORK' || code === 'UNAVAILABLE' || code === 'UNKNOWN') throw fail(error);
        const reason = describeCcxtError(error);
        log?.info({ clientOrderId: order.clientOrderId, code }, `order rejected: ${reason}`);
        return { status: 'REJECTED', code, reason };
      }
      const report = mapOrder(placed, order.clientOrderId);
      // The exchange's echo of the client id is the truth; an exchange that drops it gets ours.
      report.clientOrderId = order.clientOrderId;
      sync?.remember(report.venueOrderId, order.clientOrderId);
      log?.info({ clientOrderId: order.clientOrderId, venueOrderId: report.venueOrderId }, 'order accepted');
      emit(tracker.accepted(report, now()));
      for (const t of placed.trades ?? []) {
        if (t.id === undefined) continue;
        sync?.observeTrade(
          { ...t, order: t.order ?? placed.id, timestamp: t.timestamp ?? placed.timestamp },
          order.clientOrderId,
        );
      }
      return { status: 'ACCEPTED', venueOrderId: report.venueOrderId, report };
    },

    async cancelOrder(ref) {
      const e = ex();
      let canceled: CcxtOrder;
      try {
        canceled = await e.cancelOrder(ref.venueOrderId ?? '', ref.symbol, {
          clientOrderId: ref.clientOrderId,
        });
      } catch (error) {
        throw fail(error);
      }
      log?.info({ clientOrderId: ref.clientOrderId }, 'cancel accepted');
      // Binance answers a cancel with a fresh clientOrderId for the cancel itself; the order's is ours.
      if (canceled.status) sync?.observeOrder(canceled, ref.clientOrderId);
    },

    async openOrders(symbol) {
      const e = ex();
      const symbols = symbol ? [symbol] : config.symbols;
      const out: VenueOrderReport[] = [];
      try {
        for (const s of symbols) {
          for (const o of await e.fetchOpenOrders(s)) {
            if (o.clientOrderId) out.push(mapOrder(o));
          }
        }
      } catch (error) {
        throw fail(error);
      }
      return out;
    },

    async orderStatus(clientOrderId, symbol) {
      const e = ex();
      try {
        const o = await e.fetchOrder('', symbol, { clientOrderId });
        return { ...mapOrder(o, clientOrderId), clientOrderId };
      } catch (error) {
        if (mapCcxtError(error) === 'NOT_FOUND') return undefined;
        throw fail(error);
      }
    },

    async recentFills(sinceMs, symbol) {
      const e = ex();
      const out: (Fill & { clientOrderId: string; venueOrderId: string })[] = [];
      try {
        for (const s of symbol ? [symbol] : config.symbols) {
          for (const t of await e.fetchMyTrades(s, sinceMs)) {
            const cid = await sync?.clientOrderIdOf(t, s);
            if (!cid) continue;
            out.push(mapTrade(t, cid));
          }
        }
      } catch (error) {
        throw fail(error);
      }
      return out.sort((a, b) => a.timestamp - b.timestamp || (a.fillId < b.fillId ? -1 : 1));
    },
  };
  return plugin;
}

/** Plugin-loader entry point (same as createCcxtVenue). */
export const createPlugin = createCcxtVenue;
