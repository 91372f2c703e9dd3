import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import pino from 'pino';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { parseConfig, type ReconciliationConfig, type ReconciliationConfigInput } from './config';
import { ReconciliationError, type ReconciliationErrorCode } from './errors';
import { QUEUE_NAME, reconKeys } from './keys';
import { acquireLock } from './lock';
import { jobOptions, JOB_NAME, schedulerId, type ReconciliationJobData } from './queue';
import {
  emptyCounts,
  type HaltRecord,
  type ReconciliationReport,
  type ReportedFinding,
  type RunReason,
  type VenueRunSummary,
} from './report';
import { applyCorrections, reconcileVenue, type ReconciliationDeps } from './run';
import type { Correction } from './types';

/** Reconciliation of one account: a BullMQ queue, its worker, its scheduler, and the reports. */
export interface Reconciliation {
  /**
   * Connect, start the worker, upsert the job scheduler, watch venue reconnects and, unless disabled,
   * run a startup reconciliation: resolves only once it completed, so the engine accepts orders after.
   * Rejects (and leaves everything stopped) when the startup run fails. Idempotent.
   */
  start(): Promise<void>;
  /** Finish the run in progress, close the worker, queue and connections. The job scheduler stays in Redis. Idempotent. */
  stop(): Promise<void>;
  /**
   * Enqueue a run and wait for its report (any worker of the account may run it). Rejects with
   * ReconciliationError RUN_FAILED carrying the job's failure reason after its last retry.
   */
  runNow(reason?: RunReason, venues?: string[]): Promise<ReconciliationReport>;
  /** Enqueue a run without waiting; resolves with the job id. */
  enqueue(reason: RunReason, venues?: string[]): Promise<string>;
  /** The newest reports from Redis, newest first (at most `limit`, default 20). */
  reports(limit?: number): Promise<ReconciliationReport[]>;
  /** Reports of the runs this worker made (completed and failed). Hot; completes on stop. */
  readonly reports$: Observable<ReconciliationReport>;
  /** Every finding of this worker's runs, with its resolution. Hot; completes on stop. */
  readonly findings$: Observable<ReportedFinding>;
  /** True while new orders on `venue` are halted by repeated unresolved findings (until `resume`). */
  halted(venue: string): boolean;
  /** Current halts (cached; refreshed after every run and at start). */
  halts(): HaltRecord[];
  /** Operator action: lift the halt on `venue` and reset its unresolved-run count. */
  resume(venue: string): Promise<void>;
  /** The BullMQ queue, for a dashboard (bull-board) or inspection. Undefined before start. */
  queue(): Queue<ReconciliationJobData, ReconciliationReport> | undefined;
  /** The validated configuration. */
  readonly config: ReconciliationConfig;
}

function bullConnection(config: ReconciliationConfig): RedisOptions {
  const base: RedisOptions =
    typeof config.connection === 'string'
      ? ({ url: config.connection } as RedisOptions)
      : { ...config.connection };
  return { ...base, maxRetriesPerRequest: null };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Create the reconciliation of one account. The engine stays behind `deps` (venues, orders, journal), so
 * the worker runs beside the engine in its process; more workers for the same account may run anywhere,
 * a Redis lock keeps their runs one at a time.
 */
export function createReconciliation(
  input: ReconciliationConfigInput,
  deps: ReconciliationDeps,
): Reconciliation {
  const config = parseConfig(input);
  const { account } = config;
  const keys = reconKeys(account);
  const logger = (deps.logger ?? pino({ level: 'silent' })).child({ component: 'reconciliation', account });
  const runDeps: ReconciliationDeps = { ...deps, logger };
  const reportsSubject = new Subject<ReconciliationReport>();
  const findingsSubject = new Subject<ReportedFinding>();
  const haltCache = new Map<string, HaltRecord>();
  const subscriptions: Subscription[] = [];
  const workerId = `${hostname()}-${process.pid}-${randomUUID().slice(0, 6)}`;

  let redis: Redis | undefined;
  let queue: Queue<ReconciliationJobData, ReconciliationReport> | undefined;
  let worker: Worker<ReconciliationJobData, ReconciliationReport> | undefined;
  let events: QueueEvents | undefined;
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  async function refreshHalts(): Promise<void> {
    const all = await redis!.hgetall(keys.halt);
    haltCache.clear();
    for (const [venue, json] of Object.entries(all)) haltCache.set(venue, JSON.parse(json) as HaltRecord);
  }

  async function updateHalts(venues: string[], findings: ReportedFinding[]): Promise<void> {
    for (const venue of venues) {
      const unresolved = findings.filter(
        (f) => f.venue === venue && f.resolution.status !== 'applied',
      ).length;
      if (unresolved === 0) {
        await redis!.hdel(keys.streak, venue);
        continue;
      }
      const runs = await redis!.hincrby(keys.streak, venue, 1);
      if (config.haltAfterRuns > 0 && runs >= config.haltAfterRuns) {
        const record: HaltRecord = {
          venue,
          since: Date.now(),
          runs,
          reason: `${runs} consecutive reconciliation runs left ${unresolved} finding(s) unresolved`,
        };
        const created = await redis!.hsetnx(keys.halt, venue, JSON.stringify(record));
        if (created) logger.error({ venue, runs }, `new orders on venue ${venue} halted: ${record.reason}`);
      }
    }
    await refreshHalts();
  }

  async function store(report: ReconciliationReport): Promise<void> {
    await redis!
      .multi()
      .lpush(keys.reports, JSON.stringify(report))
      .ltrim(keys.reports, 0, config.historyLimit - 1)
      .exec();
    reportsSubject.next(report);
    for (const f of report.findings) findingsSubject.next(f);
  }

  function baseReport(job: Job<ReconciliationJobData>, startedAt: number): ReconciliationReport {
    return {
      id: `${startedAt}-${randomUUID().slice(0, 8)}`,
      account,
      workerId,
      reason: job.data.reason,
      ...(job.id ? { jobId: job.id } : {}),
      attempt: job.attemptsMade + 1,
      status: 'completed',
      startedAt,
      finishedAt: startedAt,
      durationMs: 0,
      venues: [],
      counts: emptyCounts(),
      corrected: 0,
      unresolved: 0,
      findings: [],
      halted: [],
    };
  }

  async function runJob(job: Job<ReconciliationJobData>): Promise<ReconciliationReport> {
    const lock = await acquireLock(redis!, keys.lock, { ttlMs: config.lockTtlMs, waitMs: config.lockWaitMs });
    // The run's time span starts once the lock is held: reports of one account never overlap in time.
    const startedAt = Date.now();
    const report = baseReport(job, startedAt);
    const final = report.attempt >= (job.opts.attempts ?? 1);
    const fail = async (error: unknown, retryable: boolean): Promise<never> => {
      const reason =
        retryable && final
          ? `gave up after ${report.attempt} attempt(s): ${messageOf(error)}`
          : messageOf(error);
      logger.warn(
        { jobId: job.id, attempt: report.attempt, err: error },
        `reconciliation run failed: ${reason}`,
      );
      if (final || !retryable) {
        const finishedAt = Date.now();
        await store({
          ...report,
          status: 'failed',
          error: reason,
          finishedAt,
          durationMs: finishedAt - startedAt,
        }).catch(() => undefined);
      }
      if (!retryable) throw new UnrecoverableError(reason);
      const code =
        error instanceof ReconciliationError ? (error.code as ReconciliationErrorCode) : 'VENUE_FAILED';
      throw new ReconciliationError(code, reason, { cause: error });
    };

    if (!lock) {
      return fail(
        new ReconciliationError(
          'LOCK_BUSY',
          `another worker held the run lock of account ${account} for ${config.lockWaitMs} ms`,
        ),
        true,
      );
    }
    try {
      const venues = deps.venues.filter((v) => !job.data.venues || job.data.venues.includes(v.venue));
      const graceMs = job.data.reason === 'startup' ? 0 : config.graceMs;
      const planned: {
        venue: (typeof venues)[number];
        corrections: Correction[];
        summary: VenueRunSummary;
      }[] = [];
      // Query every venue before correcting anything: a venue error retries the whole run, with nothing half done.
      for (const venue of venues) {
        try {
          const r = await reconcileVenue(venue, runDeps, {
            account,
            policy: config.policy,
            graceMs,
            lookupConcurrency: config.lookupConcurrency,
            fillLookbackMs: config.fillLookbackMs,
            now: Date.now,
          });
          planned.push({ venue, corrections: r.corrections, summary: r.summary });
        } catch (error) {
          return await fail(error, error instanceof ReconciliationError && error.code === 'VENUE_FAILED');
        }
      }
      if (lock.lost)
        return await fail(new ReconciliationError('LOCK_BUSY', 'the run lock expired during the run'), true);
      for (const p of planned) {
        report.venues.push(p.summary);
        report.findings.push(...(await applyCorrections(p.venue, p.corrections, runDeps)));
      }
      for (const f of report.findings) {
        report.counts[f.kind]++;
        if (f.resolution.status === 'applied') report.corrected++;
        else report.unresolved++;
      }
      await updateHalts(
        venues.map((v) => v.venue),
        report.findings,
      );
      report.halted = [...haltCache.keys()];
      report.finishedAt = Date.now();
      report.durationMs = report.finishedAt - startedAt;
      await store(report);
      logger.info(
        {
          jobId: job.id,
          reason: report.reason,
          durationMs: report.durationMs,
          counts: report.counts,
          corrected: report.corrected,
        },
        'reconciliation run completed',
      );
      return report;
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  async function enqueue(reason: RunReason, venues?: string[]): Promise<string> {
    if (!queue || stopping) throw new ReconciliationError('NOT_STARTED', 'reconciliation is not started');
    const data: ReconciliationJobData = { reason, requestedAt: Date.now(), ...(venues ? { venues } : {}) };
    const job = await queue.add(JOB_NAME[reason], data, jobOptions(config));
    return job.id!;
  }

  async function runNow(reason: RunReason = 'on-demand', venues?: string[]): Promise<ReconciliationReport> {
    if (!queue || !events || stopping)
      throw new ReconciliationError('NOT_STARTED', 'reconciliation is not started');
    const data: ReconciliationJobData = { reason, requestedAt: Date.now(), ...(venues ? { venues } : {}) };
    const job = await queue.add(JOB_NAME[reason], data, jobOptions(config));
    try {
      return (await job.waitUntilFinished(events, config.runTimeoutMs)) as ReconciliationReport;
    } catch (error) {
      throw new ReconciliationError(
        'RUN_FAILED',
        `reconciliation job ${job.id} failed: ${messageOf(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  async function doStart(): Promise<void> {
    const connection = bullConnection(config);
    redis =
      typeof config.connection === 'string'
        ? new Redis(config.connection, { lazyConnect: false })
        : new Redis({ ...config.connection });
    redis.on('error', (err) => logger.warn({ err }, 'redis error'));
    queue = new Queue<ReconciliationJobData, ReconciliationReport>(QUEUE_NAME, {
      connection,
      prefix: keys.bullPrefix,
      defaultJobOptions: jobOptions(config),
    });
    queue.on('error', (err) => logger.warn({ err }, 'queue error'));
    events = new QueueEvents(QUEUE_NAME, { connection, prefix: keys.bullPrefix });
    events.on('error', (err) => logger.warn({ err }, 'queue events error'));
    worker = new Worker<ReconciliationJobData, ReconciliationReport>(QUEUE_NAME, runJob, {
      connection,
      prefix: keys.bullPrefix,
      concurrency: 1,
      autorun: true,
    });
    worker.on('error', (err) => logger.warn({ err }, 'worker error'));
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker.waitUntilReady()]);
    await refreshHalts();
    if (config.schedule) {
      await queue.upsertJobScheduler(
        schedulerId(account),
        { every: config.intervalMs },
        { name: JOB_NAME.scheduled, data: { reason: 'scheduled', requestedAt: 0 }, opts: jobOptions(config) },
      );
    }
    if (config.runOnReconnect) {
      for (const venue of deps.venues) {
        let seen = venue.connectionStatus().reconnectCount;
        subscriptions.push(
          venue.connection$.subscribe((s) => {
            if (s.state !== 'CONNECTED' || s.reconnectCount <= seen) return;
            seen = s.reconnectCount;
            logger.info({ venue: venue.venue, reconnectCount: seen }, 'venue reconnected: reconciling');
            enqueue('reconnect', [venue.venue]).catch((err) =>
              logger.warn({ err, venue: venue.venue }, 'could not enqueue the reconnect run'),
            );
          }),
        );
      }
    }
    if (config.startupRun) await runNow('startup');
  }

  async function doStop(): Promise<void> {
    for (const s of subscriptions.splice(0)) s.unsubscribe();
    await worker?.close().catch((err) => logger.warn({ err }, 'worker close failed'));
    await events?.close().catch(() => undefined);
    await queue?.close().catch(() => undefined);
    redis?.disconnect();
    reportsSubject.complete();
    findingsSubject.complete();
  }

  return {
    config,
    reports$: reportsSubject.asObservable(),
    findings$: findingsSubject.asObservable(),
    start() {
      if (stopping) return Promise.reject(new ReconciliationError('STOPPED', 'reconciliation was stopped'));
      starting ??= doStart().catch(async (error) => {
        await doStop();
        throw error;
      });
      return starting;
    },
    stop() {
      stopping ??= (starting ?? Promise.resolve()).catch(() => undefined).then(doStop);
      return stopping;
    },
    runNow,
    enqueue,
    async reports(limit = 20) {
      if (!redis) throw new ReconciliationError('NOT_STARTED', 'reconciliation is not started');
      const rows = await redis.lrange(keys.reports, 0, limit - 1);
      return rows.map((r) => JSON.parse(r) as ReconciliationReport);
    },
    halted: (venue) => haltCache.has(venue),
    halts: () => [...haltCache.values()],
    async resume(venue) {
      if (!redis) throw new ReconciliationError('NOT_STARTED', 'reconciliation is not started');
      await redis.multi().hdel(keys.halt, venue).hdel(keys.streak, venue).exec();
      haltCache.delete(venue);
      logger.info({ venue }, `new orders on venue ${venue} resumed by an operator`);
    },
    queue: () => queue,
  };
}
