import { Worker } from 'node:worker_threads';
import { VelozError } from '@veloz/engine';
import type { FramesMessage } from './codec';
import type { ResolvedRedisStorageConfig } from './config';

type ThreadMessage = FramesMessage | { type: 'end' } | { type: 'error'; message: string };

/** Windows checked and waiting for the main thread, at most (each ~window × record size bytes). */
const QUEUED = 4;

/**
 * Read WAL sequences `from`..`to` in the reader thread (read-worker.mjs): XRANGE windows of `window`
 * entries, `readAhead` requests in flight, every record's frame checked there. Yields each window as the
 * thread posts it (in order). Rejects when Redis fails in the thread or the thread dies; stops the
 * thread when the consumer stops early.
 */
export async function* readFramesInThread(
  config: Pick<ResolvedRedisStorageConfig, 'redisUrl' | 'readAhead'>,
  key: string,
  from: number,
  to: number,
  window: number,
): AsyncGenerator<FramesMessage> {
  const worker = new Worker(new URL('./read-worker.mjs', import.meta.url), {
    // A young generation of 16 MB: the thread reads replies in place (xrange-scan.mjs) and makes little
    // garbage; 12 and 48 MB gave the same replay times (2026-11-27, 1M entries, fresh processes).
    resourceLimits: { maxYoungGenerationSizeMb: 16 },
    // Plain JavaScript: no TypeScript loader (or the parent's heap flags) in the thread.
    execArgv: [],
    workerData: {
      redisUrl: config.redisUrl,
      connectionName: 'veloz-wal-reader',
      key,
      from,
      to,
      window,
      readAhead: config.readAhead,
      queued: QUEUED,
    },
  });
  const queue: ThreadMessage[] = [];
  let failure: Error | undefined;
  let done = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on('message', (m: ThreadMessage) => {
    queue.push(m);
    poke();
  });
  worker.on('error', (err) => {
    failure ??= new VelozError('STORAGE_UNAVAILABLE', `WAL reader thread failed: ${err.message}`, {
      cause: err,
    });
    poke();
  });
  worker.on('exit', (code) => {
    if (!done) failure ??= new VelozError('STORAGE_UNAVAILABLE', `WAL reader thread exited (code ${code})`);
    poke();
  });
  try {
    for (;;) {
      while (queue.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      const m = queue.shift();
      if (!m) throw failure!;
      if (m.type === 'end') {
        done = true;
        return;
      }
      if (m.type === 'error') {
        throw new VelozError('STORAGE_UNAVAILABLE', `reading the WAL failed: ${m.message}`);
      }
      worker.postMessage('next');
      yield m;
    }
  } finally {
    done = true;
    void worker.terminate();
  }
}
