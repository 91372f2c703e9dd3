import type { Logger } from 'pino';
import type { EngineEvent, EventBus } from '../bus/event-bus';
import type { Order, OrderEvent } from '../domain/order';
import { FencedError, type Lease, type StoragePlugin, type WalEntryInput } from '../plugins/storage';
import { reduceOrder, type OrderStore } from '../store/order-store';
import { orderEventEntry } from '../wal/entries';

/**
 * Builds the event to journal from the order as it will be when the event is appended (undefined
 * before it exists). Returning undefined journals nothing (a duplicate report). Throwing rejects.
 */
export type BuildEvent = (current: Order | undefined) => OrderEvent | undefined;

interface OrderTask {
  kind: 'order';
  clientOrderId: string;
  build: BuildEvent;
  resolve: (e: EngineEvent | undefined) => void;
  reject: (err: unknown) => void;
}
interface RawTask {
  kind: 'raw';
  entries: WalEntryInput[];
  resolve: (seqs: number[]) => void;
  reject: (err: unknown) => void;
}
type Task = OrderTask | RawTask;

export interface Journal {
  /**
   * Journal one order event, then apply it to the store and publish it. Events are validated against
   * the book as it will be after everything queued before them, so what is journaled always applies.
   */
  orderEvent(clientOrderId: string, build: BuildEvent): Promise<EngineEvent | undefined>;
  raw(entries: WalEntryInput[]): Promise<number[]>;
  /** Refuse everything from now on (fenced or stopping); queued tasks are rejected with `error`. */
  close(error: Error): void;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
}

export interface JournalOptions {
  storage: StoragePlugin;
  lease: Lease;
  store: () => OrderStore;
  bus: EventBus;
  logger: Logger;
  maxBatch: number;
  /** Called when an append failed with FencedError. */
  onFenced: (err: FencedError) => void;
}

/**
 * The single writer queue: journal first, then apply, then publish — in one order for all three.
 * Everything queued while an append is in flight goes out in the next append (group commit), so
 * throughput does not pay one WAL round trip per event.
 */
export function createJournal(opts: JournalOptions): Journal {
  const queue: Task[] = [];
  let draining: Promise<void> | undefined;
  let closed: Error | undefined;

  const drainOnce = async (batch: Task[]) => {
    const store = opts.store();
    const overlay = new Map<string, Order | undefined>();
    const accepted: { task: Task; event?: OrderEvent; entries: WalEntryInput[] }[] = [];
    for (const task of batch) {
      if (task.kind === 'raw') {
        accepted.push({ task, entries: task.entries });
        continue;
      }
      const id = task.clientOrderId;
      const current = overlay.has(id) ? overlay.get(id) : store.get(id);
      try {
        const event = task.build(current);
        if (!event) {
          task.resolve(undefined);
          continue;
        }
        const next = reduceOrder(current, event);
        if (next === current) {
          task.resolve(undefined); // duplicate fill id: nothing to journal
          continue;
        }
        overlay.set(id, next);
        accepted.push({ task, event, entries: [orderEventEntry(event)] });
      } catch (err) {
        task.reject(err);
      }
    }
    if (accepted.length === 0) return;
    let seqs: number[];
    try {
      seqs = await opts.storage.wal.append(
        opts.lease,
        accepted.flatMap((a) => a.entries),
      );
    } catch (err) {
      if (err instanceof FencedError) opts.onFenced(err);
      for (const a of accepted) a.task.reject(err);
      return;
    }
    let i = 0;
    for (const a of accepted) {
      const mine = seqs.slice(i, i + a.entries.length);
      i += a.entries.length;
      if (a.task.kind === 'raw') {
        for (const s of mine) store.advanceTo(s);
        a.task.resolve(mine);
        continue;
      }
      const seq = mine[0]!;
      try {
        const order = store.apply(a.event!, seq);
        const engineEvent: EngineEvent = { seq, event: a.event!, order };
        opts.bus.publishOrderEvent(engineEvent);
        a.task.resolve(engineEvent);
      } catch (err) {
        // Cannot happen when the overlay matched the store; journaled but not applied would be a bug.
        store.advanceTo(seq);
        opts.logger.error(
          { err, seq, clientOrderId: a.task.clientOrderId },
          'journaled event failed to apply',
        );
        a.task.reject(err);
      }
    }
  };

  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.splice(0, opts.maxBatch);
      if (closed) {
        for (const t of batch) t.reject(closed);
        continue;
      }
      await drainOnce(batch);
    }
    draining = undefined;
  };

  const enqueue = (task: Task) => {
    if (closed) {
      task.reject(closed);
      return;
    }
    queue.push(task);
    // Start on the next microtask so synchronous callers batch together.
    draining ??= Promise.resolve().then(drain);
  };

  return {
    orderEvent(clientOrderId, build) {
      return new Promise((resolve, reject) =>
        enqueue({ kind: 'order', clientOrderId, build, resolve, reject }),
      );
    },
    raw(entries) {
      return new Promise((resolve, reject) => enqueue({ kind: 'raw', entries, resolve, reject }));
    },
    close(error) {
      closed ??= error;
    },
    async idle() {
      while (draining) await draining;
    },
  };
}
