import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';

/** Sent by the primary to a worker that asked for it (`veloz:hello`): messages sent earlier would be lost. */
export interface WorkerInit {
  type: 'veloz:init';
  /** 1..N: which replica this is (kept across restarts; sent as `x-veloz-worker`). */
  slot: number;
  /** Development mode: the operator token every worker accepts (created once by the primary). */
  devToken?: string;
}

/** Sent by a worker once its server listens. */
export interface WorkerListening {
  type: 'veloz:listening';
  url: string;
}

export interface ClusterPrimaryOptions {
  workers: number;
  logger: Logger;
  devToken?: string;
  /** First restart delay after a worker dies, ms (default 250); doubles per quick death up to `maxBackoffMs`. */
  backoffMs?: number;
  /** Default 10 000. */
  maxBackoffMs?: number;
  /** A worker that lived this long resets its slot's backoff, ms (default 10 000). */
  stableMs?: number;
  /** Workers still running this long after SIGTERM are killed, ms (default 5000). */
  stopTimeoutMs?: number;
}

export interface ClusterPrimary {
  /** The URL, once every worker listened for the first time. */
  readonly ready: Promise<string>;
  /** SIGTERM every worker, wait for them (SIGKILL after the timeout). Idempotent. */
  stop(): Promise<void>;
}

/**
 * The node:cluster primary: forks `workers` full API replicas sharing the listening port (the primary
 * accepts and hands connections round-robin), restarts any that dies with a per-slot exponential
 * backoff, and stops them all on `stop()`.
 */
export function startClusterPrimary(options: ClusterPrimaryOptions): ClusterPrimary {
  const { workers, logger } = options;
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const stableMs = options.stableMs ?? 10_000;
  const live = new Map<number, Worker>();
  const failures = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();
  const listened = new Set<number>();
  let stopping: Promise<void> | undefined;
  let resolveReady!: (url: string) => void;
  const ready = new Promise<string>((r) => (resolveReady = r));

  const fork = (slot: number) => {
    const startedAt = Date.now();
    const worker = cluster.fork();
    live.set(slot, worker);
    const init: WorkerInit = {
      type: 'veloz:init',
      slot,
      ...(options.devToken ? { devToken: options.devToken } : {}),
    };
    worker.on('message', (msg: WorkerListening | { type: 'veloz:hello' }) => {
      if (msg?.type === 'veloz:hello') {
        worker.send(init);
        return;
      }
      if (msg?.type !== 'veloz:listening') return;
      logger.info({ event: 'worker-listening', slot, workerPid: worker.process.pid }, 'worker listening');
      listened.add(slot);
      if (listened.size === workers) resolveReady(msg.url);
    });
    worker.on('exit', (code, signal) => {
      if (live.get(slot) === worker) live.delete(slot);
      if (stopping) return;
      const quick = Date.now() - startedAt < stableMs;
      const n = quick ? (failures.get(slot) ?? 0) + 1 : 1;
      failures.set(slot, n);
      const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (n - 1));
      logger.error(
        { event: 'worker-exit', slot, workerPid: worker.process.pid, code, signal, restartInMs: delay },
        'API worker died; restarting',
      );
      const t = setTimeout(() => {
        timers.delete(t);
        if (!stopping) fork(slot);
      }, delay);
      timers.add(t);
    });
  };

  for (let slot = 1; slot <= workers; slot++) fork(slot);

  return {
    ready,
    stop() {
      stopping ??= (async () => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        const exits = [...live.values()].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.process.exitCode !== null || w.process.signalCode !== null) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        );
        const force = setTimeout(() => {
          for (const w of live.values()) w.process.kill('SIGKILL');
        }, options.stopTimeoutMs ?? 5000);
        await Promise.all(exits);
        clearTimeout(force);
      })();
      return stopping;
    },
  };
}

/** In a worker: wait for the primary's init message. */
export function receiveWorkerInit(): Promise<WorkerInit> {
  return new Promise((resolve) => {
    const onMessage = (msg: WorkerInit) => {
      if (msg?.type !== 'veloz:init') return;
      process.off('message', onMessage);
      resolve(msg);
    };
    process.on('message', onMessage);
    process.send?.({ type: 'veloz:hello' });
  });
}
