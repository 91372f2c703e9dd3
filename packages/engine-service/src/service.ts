import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  createEngine,
  createPluginHost,
  isVenuePlugin,
  systemClock,
  type Clock,
  type Engine,
  type EngineState,
  type VenuePlugin,
} from '@veloz/engine';
import { createEngineMetrics, type EngineMetrics } from '@veloz/metrics';
import { createReconciliation, type Reconciliation } from '@veloz/reconciliation';
import { createRedisStorage } from '@veloz/storage-redis';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { BehaviorSubject, type Observable, type Subscription } from 'rxjs';
import { createCommandConsumer, type CommandConsumer } from './command-consumer';
import { handleCommand } from './commands';
import type { EngineServiceConfig } from './config';
import { EngineServiceError, errorMessage } from './errors';
import { createHeartbeat, type HeartbeatPublisher } from './heartbeat';
import { observeLease } from './lease-observer';
import { createKpiPublisher, type KpiPublisher } from './kpi';

export interface EngineServiceDeps {
  /** Parent logger (default: pino at `config.logLevel` on stdout). */
  logger?: Logger;
  clock?: Clock;
  /** Venue plugins to use instead of loading `config.venues` (embedding, tests). */
  venues?: VenuePlugin[];
  /** Module loader of the plugin host (default dynamic import). */
  importer?: (specifier: string) => Promise<unknown>;
}

/** What `start` reports once commands are being consumed. */
export interface EngineServiceReady {
  account: string;
  owner: string;
  epoch: number;
  venues: string[];
  recovery: {
    durationMs: number;
    entriesApplied: number;
    entriesSkipped: number;
    snapshotSeq: number | null;
    lastSeq: number;
    gaps: number;
  };
  openOrders: number;
  /** Entries of a previous engine's commands claimed for processing. */
  claimedCommands: number;
  reconciliation: boolean;
}

/** Service lifecycle: the engine's states, then FAILED (start failed) or FENCED (lease lost while running). */
export type EngineServiceState = EngineState | 'FAILED';

/** The engine process of one account: engine + command consumer + heartbeat + KPI samples + reconciliation. */
export interface EngineService {
  /**
   * Load plugins, start the engine (lease, recovery, venues), run the startup reconciliation, then
   * consume commands. Rejects (everything stopped again) when a step fails. Idempotent.
   */
  start(): Promise<EngineServiceReady>;
  /** Stop consuming, stop reconciliation and the engine (lease released), delete the heartbeat, close Redis. Idempotent; never rejects. */
  stop(): Promise<void>;
  /** Current state on subscribe, then every change; FENCED means another engine took the account over. */
  readonly state$: Observable<EngineServiceState>;
  /** The engine, once `start` has created it. */
  engine(): Engine | undefined;
  reconciliation(): Reconciliation | undefined;
}

/** Create the engine process of `config.account`. Nothing connects until `start()`. */
export function createEngineService(
  config: EngineServiceConfig,
  deps: EngineServiceDeps = {},
): EngineService {
  const clock = deps.clock ?? systemClock;
  const logger =
    deps.logger ?? pino({ name: 'veloz-engine', level: config.logLevel, base: { pid: process.pid } });
  const log = logger.child({ account: config.account });
  const owner = config.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const state$ = new BehaviorSubject<EngineServiceState>('STOPPED');
  let lease: { owner: string; epoch: number } = { owner, epoch: 0 };
  let engine: Engine | undefined;
  let recon: Reconciliation | undefined;
  let redis: Redis | undefined;
  let blocking: Redis | undefined;
  let consumer: CommandConsumer | undefined;
  let heartbeat: HeartbeatPublisher | undefined;
  let kpis: KpiPublisher | undefined;
  let metrics: EngineMetrics | undefined;
  let stateSub: Subscription | undefined;
  let starting: Promise<EngineServiceReady> | undefined;
  let stopping: Promise<void> | undefined;

  const loadPlugins = async () => {
    const host = createPluginHost({
      account: config.account,
      clock,
      logger: log,
      ...(deps.importer ? { importer: deps.importer } : {}),
    });
    // Built directly, not through host.load: the plugin host's shape check reads `wal`, which
    // storage-redis only exposes once started.
    metrics ??= createEngineMetrics();
    // Instrumented before createEngine: WAL append latency/bytes/failures and replay figures.
    const storage = createRedisStorage({
      redisUrl: config.redisUrl,
      account: config.account,
      durability: config.wal.durability,
      leaseTtlMs: config.wal.leaseTtlMs,
      leaseWaitMs: config.wal.leaseWaitMs,
    });
    let venues = deps.venues;
    if (!venues) {
      venues = [];
      for (const spec of config.venues) {
        const p = await host.load(spec);
        if (!isVenuePlugin(p))
          throw new EngineServiceError(
            'CONFIG_INVALID',
            `invalid VELOZ_VENUES: ${spec.module} is not a venue plugin`,
          );
        venues.push(p);
      }
    }
    // The lease observer (a Proxy) goes inside: the metrics wrapper redefines `append` on its own object.
    return {
      storage: metrics.instrumentStorage(observeLease(storage, (l) => (lease = l))),
      venues,
    };
  };

  const onState = (s: EngineState) => {
    if (state$.getValue() === 'FAILED') return;
    state$.next(s);
    // The heartbeat starts once the lease is ours: a standby waiting for it must not overwrite it.
    if (s === 'FENCED') {
      // The heartbeat key belongs to the new holder now: stop before publishing anything.
      void heartbeat?.stop(false);
      log.error('engine fenced: another engine holds the account; no longer consuming commands');
      void consumer?.stop();
      void kpis?.stop();
      return;
    }
    if (s === 'RECOVERING') heartbeat?.start();
    void heartbeat?.publish();
  };

  const doStart = async (): Promise<EngineServiceReady> => {
    const { storage, venues } = await loadPlugins();
    const e = createEngine(
      { account: config.account, owner },
      { storage, venues, clock, logger, risk: config.risk },
    );
    engine = e;
    const m = metrics!;
    m.attach(e);
    redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    blocking = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null });
    for (const [name, client] of [
      ['redis', redis],
      ['redis-blocking', blocking],
    ] as const) {
      let last = '';
      // ioredis reconnects on its own; log each distinct failure once instead of once per retry.
      client.on('error', (err: Error) => {
        if (err.message !== last) log.warn({ connection: name, err: err.message }, 'redis connection error');
        last = err.message;
      });
      client.on('ready', () => (last = ''));
    }
    await Promise.all([redis.connect(), blocking.connect()]);
    heartbeat = createHeartbeat({
      redis,
      account: config.account,
      status: () => e.status(),
      lease: () => lease,
      now: () => clock.now(),
      logger: log,
    });
    stateSub = e.state$.subscribe(onState);
    await e.start();

    if (config.reconciliation.enabled) {
      recon = createReconciliation(
        {
          account: config.account,
          connection: config.redisUrl,
          intervalMs: config.reconciliation.intervalMs,
        },
        {
          venues,
          getOrders: () => e.orders(),
          // One event at a time: a failure leaves the earlier events journaled (reported by the run).
          journal: async (events) => {
            for (const ev of events) await e.applyEvent(ev);
          },
          logger,
        },
      );
      m.trackReconciliation(recon.reports$);
      await recon.start();
    }
    if (e.state() !== 'READY')
      throw new EngineServiceError('START_FAILED', `engine is ${e.state()} after start`);

    const r = recon;
    consumer = createCommandConsumer({
      account: config.account,
      redis,
      blocking,
      consumer: owner,
      concurrency: config.commandConcurrency,
      logger: log,
      handle: (raw, entryId, parsed) =>
        handleCommand(
          raw,
          entryId,
          {
            engine: e,
            now: () => clock.now(),
            maxCommandAgeMs: config.commandMaxAgeMs,
            ...(r
              ? {
                  halted: (venue: string) => r.halted(venue),
                  runReconciliation: async (venue?: string) => {
                    const report = await r.runNow('on-demand', venue ? [venue] : undefined);
                    return { id: report.id, status: report.status, findings: report.findings.length };
                  },
                }
              : {}),
          },
          parsed,
        ),
    });
    // The typed KPI snapshot (@veloz/metrics) every second, with the Prometheus text beside it.
    kpis = createKpiPublisher({ redis, metrics: m, account: config.account, logger: log });
    await consumer.start();
    kpis.start();

    const status = e.status();
    const rec = status.recovery!;
    return {
      account: config.account,
      owner,
      epoch: lease.epoch,
      venues: venues.map((v) => v.venue),
      recovery: {
        durationMs: Math.round(rec.durationMs),
        entriesApplied: rec.entriesApplied,
        entriesSkipped: rec.entriesSkipped,
        snapshotSeq: rec.snapshotSeq,
        lastSeq: rec.lastSeq,
        gaps: rec.gaps.length,
      },
      openOrders: status.openOrders,
      claimedCommands: consumer.counters().claimed,
      reconciliation: recon !== undefined,
    };
  };

  const service: EngineService = {
    start() {
      if (stopping)
        return Promise.reject(new EngineServiceError('SERVICE_STOPPED', 'engine service was stopped'));
      starting ??= doStart().catch(async (err: unknown) => {
        log.error({ err: errorMessage(err) }, 'engine service start failed');
        state$.next('FAILED');
        await service.stop();
        throw err instanceof EngineServiceError
          ? err
          : new EngineServiceError('START_FAILED', errorMessage(err), { cause: err });
      });
      return starting;
    },

    stop() {
      stopping ??= (async () => {
        const step = async (name: string, fn: () => unknown) => {
          try {
            await fn();
          } catch (err) {
            log.warn({ step: name, err: errorMessage(err) }, 'stop step failed');
          }
        };
        await step('commands', () => consumer?.stop());
        await step('kpis', () => kpis?.stop());
        await step('reconciliation', () => recon?.stop());
        await step('engine', () => engine?.stop());
        await step('metrics', () => metrics?.stop());
        stateSub?.unsubscribe();
        await step('heartbeat', () => heartbeat?.stop(true));
        await step('redis', () => (redis?.status === 'ready' ? redis.quit() : redis?.disconnect()));
        blocking?.disconnect();
        if (state$.getValue() !== 'FAILED') state$.next('STOPPED');
        state$.complete();
        log.info('engine service stopped');
      })();
      return stopping;
    },

    state$: state$.asObservable(),
    engine: () => engine,
    reconciliation: () => recon,
  };
  return service;
}
