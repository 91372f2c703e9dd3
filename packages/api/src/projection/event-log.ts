import { OrderStore, type Order, type OrderEvent, type OrderStoreSnapshot } from '@veloz/engine';
import { ApiError } from '../errors';

/** An order event as the projection applied it: its WAL sequence, and the order right after it. */
export interface ProjectedEvent {
  /** WAL sequence: the cursor of `orderEvents`. */
  seq: number;
  /** Epoch ms when the WAL accepted the entry. */
  walTs: number;
  event: OrderEvent;
  order: Order;
}

/** A cursor older than the oldest event still kept in memory: the client must reload, then resume. */
export class CursorExpiredError extends ApiError {
  constructor(
    readonly cursor: number,
    readonly oldest: number,
  ) {
    super(
      'CURSOR_EXPIRED',
      `cursor ${cursor} is older than the events kept (resume from ${oldest} or later)`,
    );
  }
}

/** Figures of the projection, for the `wal` query and health. */
export interface ProjectionCounters {
  /** Order events applied. */
  applied: number;
  /** Entries consumed that are not order events (reconciliation records, …). */
  other: number;
  /** Entries that could not be decoded (checksum, format). */
  corrupt: number;
  /** Well-formed order events the reducer refused (illegal transition, unknown order). */
  refused: number;
  /** Sequence gaps seen (missing entries). */
  gaps: number;
}

/**
 * The pure core of the projection: the OrderStore folded with the engine's own reducer, each order's
 * event history, and a bounded log of recent events addressable by WAL sequence (subscription cursors).
 * No I/O: the WAL tail feeds it.
 */
export class EventLog {
  readonly store: OrderStore;
  readonly counters: ProjectionCounters = { applied: 0, other: 0, corrupt: 0, refused: 0, gaps: 0 };
  private readonly log: ProjectedEvent[] = [];
  private readonly histories = new Map<string, ProjectedEvent[]>();
  /** The log holds every order event with seq > floor. */
  private floor: number;

  constructor(
    private readonly capacity: number,
    snapshot?: OrderStoreSnapshot,
  ) {
    this.store = snapshot ? OrderStore.fromSnapshot(snapshot) : new OrderStore();
    this.floor = this.store.lastSeq;
  }

  /** Highest WAL sequence consumed. */
  get lastSeq(): number {
    return this.store.lastSeq;
  }

  /** Cursors at or above this sequence can be resumed. */
  get oldestCursor(): number {
    return this.floor;
  }

  /** Apply one order event at `seq`. Returns the projected event, or undefined when the reducer refused it. */
  applyEvent(seq: number, walTs: number, event: OrderEvent): ProjectedEvent | undefined {
    this.noteSeq(seq);
    let order: Order;
    try {
      order = this.store.apply(event, seq);
    } catch {
      this.counters.refused++;
      this.store.advanceTo(seq);
      return undefined;
    }
    this.counters.applied++;
    // A duplicate fill leaves the order unchanged; it stays in the history as journaled.
    const projected: ProjectedEvent = { seq, walTs, event, order };
    this.log.push(projected);
    if (this.log.length > this.capacity) {
      const drop = Math.max(1, Math.floor(this.capacity / 10));
      this.floor = this.log[drop - 1]!.seq;
      this.log.splice(0, drop);
    }
    let history = this.histories.get(event.clientOrderId);
    if (!history) this.histories.set(event.clientOrderId, (history = []));
    history.push(projected);
    return projected;
  }

  /** Record an entry that is not an order event (or is corrupt) at `seq`. */
  skip(seq: number | undefined, kind: 'other' | 'corrupt'): void {
    this.counters[kind]++;
    if (seq !== undefined && Number.isFinite(seq)) {
      this.noteSeq(seq);
      this.store.advanceTo(seq);
    }
  }

  private noteSeq(seq: number): void {
    const last = this.store.lastSeq;
    if (last > 0 && seq > last + 1) this.counters.gaps++;
  }

  /** Events of one order, oldest first (since the projection's base snapshot). */
  history(clientOrderId: string): readonly ProjectedEvent[] {
    return this.histories.get(clientOrderId) ?? [];
  }

  /** Up to `limit` events with seq > `cursor`, in WAL order. Throws CursorExpiredError when events were dropped. */
  after(cursor: number, limit = 1000): ProjectedEvent[] {
    if (cursor < this.floor) throw new CursorExpiredError(cursor, this.floor);
    let lo = 0;
    let hi = this.log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.log[mid]!.seq <= cursor) lo = mid + 1;
      else hi = mid;
    }
    return this.log.slice(lo, lo + limit);
  }
}
