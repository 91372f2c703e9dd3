import {
  add,
  cmp,
  OPEN_STATUSES,
  ZERO,
  type Decimal,
  type ExecutionReport,
  type Fill,
  type VenueOrderReport,
} from '@veloz/engine';

/** A fill as the tracker sees it: the engine's Fill plus the ids of its order. */
export type TrackedFill = Fill & { clientOrderId: string; venueOrderId: string };

interface Tracked {
  report: VenueOrderReport;
  /** Sum of the fills already emitted. */
  emittedFilled: Decimal;
  /** A terminal status seen at the venue but held back until the fills before it were emitted. */
  pendingFinal?: VenueOrderReport;
  done: boolean;
}

/**
 * Turns what polling (or a websocket) sees — order snapshots and trades, possibly repeated, possibly out of
 * order — into each execution report exactly once, fills before the cancel or expiry that ended their
 * order. Pure state, no I/O: the venue shell feeds it and emits what it returns.
 */
export interface ExecutionTracker {
  /** Start following an order this plugin submitted (emits ACCEPTED once). */
  accepted(report: VenueOrderReport, ts: number): ExecutionReport[];
  /**
   * An order snapshot from the venue. Unknown open orders are adopted with their current fills as the
   * baseline (they were placed before this process, their history belongs to reconciliation).
   */
  observe(report: VenueOrderReport, ts: number): ExecutionReport[];
  /** A trade from the venue; duplicates (same fillId) are ignored. */
  fill(fill: TrackedFill, ts: number): ExecutionReport[];
  /** Orders still open as far as the tracker knows (to ask the venue about those that left open orders). */
  openOrders(symbol?: string): VenueOrderReport[];
  /** The client order id of a venue order id, when known. */
  clientOrderIdOf(venueOrderId: string): string | undefined;
  /** Forget finished orders and old fill ids beyond `keep` entries (memory bound for long runs). */
  compact(keep?: number): void;
}

function finalReport(r: VenueOrderReport, ts: number): ExecutionReport[] {
  switch (r.status) {
    case 'CANCELED':
      return [{ kind: 'CANCELED', clientOrderId: r.clientOrderId, venueOrderId: r.venueOrderId, ts }];
    case 'EXPIRED':
      return [{ kind: 'EXPIRED', clientOrderId: r.clientOrderId, venueOrderId: r.venueOrderId, ts }];
    case 'REJECTED':
      return [{ kind: 'REJECTED', clientOrderId: r.clientOrderId, reason: 'rejected by the venue', ts }];
    default:
      // FILLED needs no report of its own: the fills carry it.
      return [];
  }
}

/** Create an empty tracker. */
export function createExecutionTracker(): ExecutionTracker {
  const orders = new Map<string, Tracked>();
  const byVenueId = new Map<string, string>();
  const seenFills = new Set<string>();

  const release = (t: Tracked, ts: number): ExecutionReport[] => {
    const p = t.pendingFinal;
    if (!p || t.done || cmp(t.emittedFilled, p.filledQuantity) < 0) return [];
    t.pendingFinal = undefined;
    t.done = true;
    return finalReport(p, ts);
  };

  const adopt = (report: VenueOrderReport, emittedFilled: Decimal): Tracked => {
    const t: Tracked = { report, emittedFilled, done: false };
    orders.set(report.clientOrderId, t);
    byVenueId.set(report.venueOrderId, report.clientOrderId);
    return t;
  };

  const observe = (report: VenueOrderReport, ts: number): ExecutionReport[] => {
    let t = orders.get(report.clientOrderId);
    if (!t) {
      if (!OPEN_STATUSES.has(report.status)) return [];
      t = adopt(report, report.filledQuantity);
    }
    byVenueId.set(report.venueOrderId, report.clientOrderId);
    if (t.done) return [];
    t.report = report;
    if (OPEN_STATUSES.has(report.status)) return [];
    t.pendingFinal = report;
    return release(t, ts);
  };

  return {
    accepted(report, ts) {
      if (orders.has(report.clientOrderId)) return observe(report, ts);
      adopt(report, ZERO);
      const out: ExecutionReport[] = [
        { kind: 'ACCEPTED', clientOrderId: report.clientOrderId, venueOrderId: report.venueOrderId, ts },
      ];
      return out.concat(observe(report, ts));
    },

    observe,

    fill(f, ts) {
      if (seenFills.has(f.fillId)) return [];
      const t = orders.get(f.clientOrderId);
      // Trades of orders we do not follow (placed elsewhere, finished before we started) are reconciliation's.
      if (!t) return [];
      seenFills.add(f.fillId);
      t.emittedFilled = add(t.emittedFilled, f.quantity);
      const { clientOrderId, venueOrderId, ...fill } = f;
      const out: ExecutionReport[] = [{ kind: 'FILL', clientOrderId, venueOrderId, fill, ts }];
      if (!t.done && t.report.status !== 'FILLED' && cmp(t.emittedFilled, t.report.quantity) >= 0) {
        t.done = true;
      }
      return out.concat(release(t, ts));
    },

    openOrders(symbol) {
      const out: VenueOrderReport[] = [];
      for (const t of orders.values()) {
        if (!t.done && !t.pendingFinal && (symbol === undefined || t.report.symbol === symbol))
          out.push(t.report);
      }
      return out;
    },

    clientOrderIdOf: (venueOrderId) => byVenueId.get(venueOrderId),

    compact(keep = 10_000) {
      for (const [id, t] of orders) {
        if (orders.size <= keep) break;
        if (t.done) {
          orders.delete(id);
          byVenueId.delete(t.report.venueOrderId);
        }
      }
      if (seenFills.size > keep) {
        const drop = seenFills.size - keep;
        let i = 0;
        for (const id of seenFills) {
          if (i++ >= drop) break;
          seenFills.delete(id);
        }
      }
    },
  };
}
