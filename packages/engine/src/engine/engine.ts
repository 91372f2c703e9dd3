import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { BehaviorSubject, Subscription, filter, pairwise, startWith } from 'rxjs';
import { createEventBus } from '../bus/event-bus';
import type { Decimal } from '../domain/decimal';
import type { OrderEvent } from '../domain/order';
import { VelozError } from '../errors';
import { systemClock } from '../plugins/context';
import { createPluginHost } from '../plugins/plugin-host';
import { FencedError, type Lease, type WalEntryInput } from '../plugins/storage';
import type { ConnectionStatus, VenuePlugin } from '../plugins/venue';
import { createRateWindow, parseRiskLimits } from '../risk/risk';
import { OrderStore } from '../store/order-store';
import { recover, type RecoveryReport } from '../wal/recovery';
import { createSnapshotter, type Snapshotter } from '../wal/snapshotter';
import { errorMessage, priceKey, withTimeout, type EngineCore } from './core';
import { handleExecution, resolvePending } from './executions';
import { createJournal, type Journal } from './journal';
import { cancelOrder, placeOrder } from './orders';
import { createStats } from './stats';
import {
  engineConfigSchema,
  type Engine,
  type EngineConfig,
  type EngineDeps,
  type EngineState,
} from './types';

/** Engine configuration was invalid (the message names the field). */
export class EngineConfigError extends VelozError {
  constructor(message: string) {
    super('ENGINE_CONFIG_INVALID', message);
  }
}

/**
 * Create the engine of one account. Nothing runs until `start()`. The storage and venue plugins are
 * started and stopped by the engine (storage first, venues after recovery; stopped in reverse).
 */
export function createEngine(config: EngineConfig, deps: EngineDeps): Engine {
  const parsed = engineConfigSchema.safeParse(config);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new EngineConfigError(`engine config ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const cfg = parsed.data;
  let limits;
  try {
    limits = parseRiskLimits(deps.risk ?? {});
  } catch (err) {
    throw new EngineConfigError(`risk limits: ${errorMessage(err)}`);
  }
  const venues = new Map<string, VenuePlugin>();
  for (const v of deps.venues) {
    if (venues.has(v.venue)) throw new EngineConfigError(`venue ${v.venue} configured twice`);
    venues.set(v.venue, v);
  }
  const clock = deps.clock ?? systemClock;
  const logger = (deps.logger ?? pino({ level: 'silent' })).child({ account: cfg.account });
  const owner = cfg.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const bus = createEventBus();
  const stats = createStats(cfg.latencySamples);
  const host = createPluginHost({ account: cfg.account, clock, logger });
  const state$ = new BehaviorSubject<EngineState>('STOPPED');
  const subs = new Subscription();
  const lastPrices = new Map<string, Decimal>();
  let store = new OrderStore();
  let journal: Journal | undefined;
  let lease: Lease | undefined;
  let recovery: RecoveryReport | undefined;
  let snapshotter: Snapshotter | undefined;
  let startedAt: number | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const resolving = new Set<string>();

  const core: EngineCore = {
    config: cfg,
    clock,
    logger,
    limits,
    bus,
    stats,
    venues,
    symbols: new Map(),
    lastPrices,
    rate: createRateWindow(clock),
    inflight: new Set(),
    submitting: new Map(),
    store: () => store,
    journal: () => journal,
    state: () => state$.getValue(),
  };

  const setState = (s: EngineState) => {
    const cur = state$.getValue();
    if (cur === s || state$.isStopped) return;
    // FENCED and STOPPING only move towards STOPPED: a start still in flight cannot revive the engine.
    if (cur === 'FENCED' && s !== 'STOPPING' && s !== 'STOPPED') return;
    if (cur === 'STOPPING' && s !== 'STOPPED') return;
    logger.info({ state: s }, 'engine state');
    state$.next(s);
  };

  const fence = (reason: string) => {
    const s = state$.getValue();
    if (s === 'FENCED' || s === 'STOPPING' || s === 'STOPPED') return;
    logger.error({ reason }, 'engine fenced: another writer holds the lease; refusing all work');
    journal?.close(new FencedError(reason));
    // A fenced engine's book is no longer the account's: it takes no more snapshots.
    void snapshotter?.stop();
    setState('FENCED');
  };

  subs.add(bus.orderEvents$.subscribe((e) => stats.observe(e)));

  const resolveAgain = new Set<string>();
  /** One resolution per venue at a time; a request during a run queues exactly one more run. */
  const resolveVenue = (venue: string) => {
    if (state$.getValue() !== 'READY') return;
    if (resolving.has(venue)) {
      resolveAgain.add(venue);
      return;
    }
    resolving.add(venue);
    void resolvePending(core, venue)
      .catch((err: unknown) => logger.error({ venue, err: errorMessage(err) }, 'pending resolution failed'))
      .finally(() => {
        resolving.delete(venue);
        if (resolveAgain.delete(venue)) resolveVenue(venue);
      });
  };

  const wireVenue = (v: VenuePlugin) => {
    subs.add(
      v.marketData$.subscribe((tick) => {
        lastPrices.set(priceKey(v.venue, tick.symbol), tick.price);
        bus.publishMarketData({ ...tick, venue: v.venue });
      }),
    );
    subs.add(
      v.executions$.subscribe((report) => {
        bus.publishExecution({ ...report, venue: v.venue });
        void handleExecution(core, v.venue, report);
      }),
    );
    subs.add(
      v.connection$
        .pipe(
          startWith(undefined as ConnectionStatus | undefined),
          pairwise(),
          filter(([, cur]) => cur !== undefined),
        )
        .subscribe(([prev, cur]) => {
          bus.publishConnection({ venue: v.venue, status: cur! });
          // After a reconnect, orders whose submit answer was lost may now be answerable.
          if (cur!.state === 'CONNECTED' && prev && prev.state !== 'CONNECTED') {
            if (core.symbols.has(v.venue) && core.symbols.get(v.venue) === undefined) void loadInstruments(v);
            resolveVenue(v.venue);
          }
        }),
    );
  };

  /** Read the venue's symbols; on failure the UNKNOWN_SYMBOL check is off until the next connect. */
  const loadInstruments = async (v: VenuePlugin) => {
    try {
      const specs = await withTimeout(v.instruments(), cfg.venueCallTimeoutMs, `${v.venue} instruments`);
      core.symbols.set(v.venue, new Set(specs.map((i) => i.symbol)));
    } catch (err) {
      core.symbols.set(v.venue, undefined);
      logger.warn({ venue: v.venue, err: errorMessage(err) }, 'instruments unavailable; symbol check off');
    }
  };

  /** Abort start when the engine was fenced or stopped while a step ran. */
  const interrupted = (step: string) => {
    const s = state$.getValue();
    if (s === 'FENCED') throw new FencedError(`lease lost during ${step}`);
    if (s === 'STOPPING' || s === 'STOPPED')
      throw new VelozError('ENGINE_STOPPED', `engine stopped during ${step}`);
  };

  const doStart = async () => {
    setState('STARTING');
    await host.start(deps.storage);
    lease = await deps.storage.wal.acquireLease(owner);
    const heldLease = lease;
    subs.add(heldLease.lost$.subscribe(() => fence(`lease epoch ${heldLease.epoch} lost`)));
    logger.info({ owner, epoch: lease.epoch }, 'WAL lease acquired');

    setState('RECOVERING');
    const recovered = await recover(deps.storage, {
      ...(cfg.recoveryBatchSize ? { batchSize: cfg.recoveryBatchSize } : {}),
      knownTypes: cfg.knownEntryTypes,
    });
    store = recovered.store;
    recovery = recovered.report;
    logger.info(
      {
        lastSeq: recovery.lastSeq,
        applied: recovery.entriesApplied,
        skipped: recovery.entriesSkipped,
        openOrders: store.openOrderCount,
        ms: Math.round(recovery.durationMs),
      },
      'recovered',
    );
    journal = createJournal({
      storage: deps.storage,
      lease,
      store: () => store,
      bus,
      logger,
      maxBatch: cfg.maxBatch,
      onFenced: (err) => fence(err.message),
    });
    interrupted('recovery');
    // Background snapshots of the recovered store: every applied event tells the snapshotter its seq.
    snapshotter = createSnapshotter({
      storage: deps.storage,
      store: () => store,
      everyEntries: cfg.snapshotEveryEntries,
      everyMs: cfg.snapshotEveryMs,
      fromSeq: recovery.snapshotSeq ?? 0,
      logger,
    });
    const snaps = snapshotter;
    subs.add(bus.orderEvents$.subscribe((e) => snaps.notify(e.seq)));
    snaps.start();

    for (const v of venues.values()) {
      interrupted('venue start');
      await host.start(v);
      wireVenue(v);
      await loadInstruments(v);
    }

    setState('RESOLVING');
    const r = await resolvePending(core);
    logger.info(r, 'pending orders resolved');
    interrupted('pending-order resolution');
    startedAt = clock.now();
    setState('READY');
    // Orders a venue could not answer for during start are retried once it is connected.
    if (r.unresolved > 0)
      for (const v of venues.values()) if (v.connectionStatus().state === 'CONNECTED') resolveVenue(v.venue);
  };

  const engine: Engine = {
    start() {
      if (stopping)
        return Promise.reject(new VelozError('ENGINE_STOPPED', 'engine was stopped; create a new one'));
      starting ??= doStart().catch(async (err: unknown) => {
        logger.error({ err: errorMessage(err) }, 'engine start failed');
        await engine.stop();
        throw err;
      });
      return starting;
    },

    stop() {
      stopping ??= (async () => {
        setState('STOPPING');
        // Venue answers of orders already answered JOURNALED (bounded by submitTimeoutMs): journaled
        // now, they need no resolution at the next start.
        await Promise.all(core.submitting.values());
        subs.unsubscribe();
        journal?.close(new VelozError('ENGINE_STOPPED', 'engine stopping'));
        await journal?.idle();
        // Wait for a snapshot in progress (it writes through the storage, stopped below).
        await snapshotter?.stop();
        try {
          await lease?.release();
        } catch (err) {
          logger.warn({ err: errorMessage(err) }, 'lease release failed');
        }
        await host.stop();
        bus.complete();
        setState('STOPPED');
        state$.complete();
      })();
      return stopping;
    },

    placeOrder: (input, options) => placeOrder(core, input, options),
    venueAnswer: async (id) => void (await core.submitting.get(id)),
    cancelOrder: (id) => cancelOrder(core, id),
    events$: bus.orderEvents$,
    marketData$: bus.marketData$,
    state$: state$.asObservable(),
    state: () => state$.getValue(),

    status() {
      const venueStatus: Record<string, ConnectionStatus> = {};
      for (const [id, v] of venues) venueStatus[id] = v.connectionStatus();
      return {
        state: state$.getValue(),
        account: cfg.account,
        venues: venueStatus,
        wal: { lastSeq: store.lastSeq },
        recovery,
        openOrders: store.openOrderCount,
        startedAt,
      };
    },
    stats: () => stats.snapshot(),
    getOrder: (id) => store.get(id),
    orders: () => [...store.all()],
    venue: (id) => venues.get(id),

    async applyEvent(event: OrderEvent) {
      if (!journal || state$.getValue() !== 'READY')
        throw new VelozError('ENGINE_NOT_READY', `engine is ${state$.getValue()}`);
      return journal.orderEvent(event.clientOrderId, () => event);
    },
    async appendEntries(entries: WalEntryInput[]) {
      if (!journal || state$.getValue() !== 'READY')
        throw new VelozError('ENGINE_NOT_READY', `engine is ${state$.getValue()}`);
      return journal.raw(entries);
    },
    resolvePending: (venue) => resolvePending(core, venue),
  };
  return engine;
}
