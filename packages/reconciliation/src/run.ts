import {
  isPositive,
  OPEN_STATUSES,
  VenueError,
  type Fill,
  type Order,
  type OrderEvent,
  type VenueOrderReport,
  type VenuePlugin,
} from '@veloz/engine';
import type { Logger } from 'pino';
import { ReconciliationError } from './errors';
import { plan } from './plan';
import { ordersToLookUp, reconcile } from './reconcile';
import type { ReportedFinding, VenueRunSummary } from './report';
import type { Correction, Finding, ReconciliationPolicy } from './types';

/** The engine, as reconciliation sees it: small callbacks, never the engine's internals. */
export interface ReconciliationDeps {
  /** Venue plugins, started by the engine. */
  venues: readonly VenuePlugin[];
  /** The OMS's orders (at least every open one; final ones let an order the venue still works be told apart from an orphan). */
  getOrders: () => readonly Order[];
  /**
   * Append order events to the WAL and apply them to the OrderStore, all or nothing; resolves once
   * journaled. Rejects when an event does not fit the book (the correction is then reported as failed).
   */
  journal: (events: OrderEvent[]) => Promise<void>;
  logger?: Logger;
}

/** Tuning of one run. */
export interface RunOptions {
  account: string;
  policy: ReconciliationPolicy;
  /** See `ReconcileOptions.graceMs`. */
  graceMs: number;
  /** Parallel order-status queries per venue. */
  lookupConcurrency: number;
  /** How far back to ask for an orphan's fills (ms). */
  fillLookbackMs: number;
  now: () => number;
}

async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}

function venueFailure(venue: string, call: string, error: unknown): Error {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  // instanceof alone is not enough: a plugin bundling its own copy of the engine throws a different class.
  if (error instanceof Error && (error instanceof VenueError || code.startsWith('VENUE_'))) {
    return new ReconciliationError(
      'VENUE_FAILED',
      `venue ${venue}: ${call} failed: ${error.message} (${code})`,
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function call<T>(venue: string, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw venueFailure(venue, name, error);
  }
}

function needsFills(f: Finding): boolean {
  if (!f.after || !isPositive(f.after.filledQuantity)) return false;
  return f.before === null || f.after.filledQuantity !== f.before.filledQuantity;
}

/** Reconcile one venue: query, diff, plan. Venue query failures throw ReconciliationError VENUE_FAILED. */
export async function reconcileVenue(
  venue: VenuePlugin,
  deps: ReconciliationDeps,
  options: RunOptions,
): Promise<{ summary: VenueRunSummary; corrections: Correction[]; orders: Map<string, Order> }> {
  const started = Date.now();
  const id = venue.venue;
  const open = await call(id, 'openOrders', () => venue.openOrders());
  const orders = deps.getOrders();
  const now = options.now();
  const toLookUp = ordersToLookUp(orders, open, id, now, options.graceMs);
  const looked = await pool(toLookUp, options.lookupConcurrency, (o) =>
    call(id, `orderStatus(${o.clientOrderId})`, () => venue.orderStatus(o.clientOrderId, o.symbol)),
  );
  const lookups = new Map<string, VenueOrderReport | undefined>();
  toLookUp.forEach((o, i) => lookups.set(o.clientOrderId, looked[i]));

  const reconcileOptions = { venue: id, now, graceMs: options.graceMs };
  let { findings, deferred } = reconcile(orders, open, lookups, reconcileOptions);
  const fillNeeders = findings.filter(needsFills);
  if (fillNeeders.length > 0) {
    const byId = new Map(orders.map((o) => [o.clientOrderId, o]));
    const since = fillNeeders.reduce(
      (m, f) => Math.min(m, byId.get(f.clientOrderId)?.createdAt ?? now - options.fillLookbackMs),
      now,
    );
    try {
      const fills = await venue.recentFills(since - 1);
      const wanted = new Set(fillNeeders.map((f) => f.clientOrderId));
      const venueFills = new Map<string, Fill[]>();
      for (const f of fills) {
        if (!wanted.has(f.clientOrderId)) continue;
        const list = venueFills.get(f.clientOrderId) ?? [];
        list.push({ fillId: f.fillId, quantity: f.quantity, price: f.price, timestamp: f.timestamp });
        venueFills.set(f.clientOrderId, list);
      }
      ({ findings, deferred } = reconcile(orders, open, lookups, { ...reconcileOptions, venueFills }));
    } catch (error) {
      // Without the venue's fill history, missed fills are synthesized at the venue's average price.
      deps.logger?.warn({ venue: id, err: error }, 'recentFills failed; synthesizing missed fills');
    }
  }
  const byId = new Map<string, Order>();
  for (const o of orders) if (o.venue === id) byId.set(o.clientOrderId, o);
  const corrections = plan(findings, options.policy, {
    account: options.account,
    now,
    order: (cid) => byId.get(cid),
  });
  let omsOpen = 0;
  for (const o of byId.values()) if (OPEN_STATUSES.has(o.status)) omsOpen++;
  return {
    summary: {
      venue: id,
      venueOpen: open.length,
      omsOpen,
      lookups: toLookUp.length,
      deferred,
      durationMs: Date.now() - started,
    },
    corrections,
    orders: byId,
  };
}

/** Carry out corrections (journal, cancel at the venue); never throws: failures are recorded per finding. */
export async function applyCorrections(
  venue: VenuePlugin,
  corrections: readonly Correction[],
  deps: ReconciliationDeps,
): Promise<ReportedFinding[]> {
  const out: ReportedFinding[] = [];
  for (const c of corrections) {
    const f = c.finding;
    const log = { venue: f.venue, clientOrderId: f.clientOrderId, kind: f.kind, severity: f.severity };
    if (c.action === 'report') {
      deps.logger?.warn({ ...log, reason: c.reason }, `reconciliation finding reported: ${f.detail}`);
      out.push({ ...f, resolution: { action: 'report', status: 'reported', reason: c.reason } });
      continue;
    }
    try {
      if (c.action === 'journal') {
        await deps.journal(c.events);
        deps.logger?.info({ ...log, events: c.events.length }, `reconciliation corrected: ${f.detail}`);
        out.push({
          ...f,
          resolution: { action: 'journal', status: 'applied', events: c.events.length, result: c.expected },
        });
      } else {
        await venue.cancelOrder({
          clientOrderId: f.clientOrderId,
          symbol: f.after?.symbol ?? f.before?.symbol ?? '',
          ...(f.venueOrderId ? { venueOrderId: f.venueOrderId } : {}),
        });
        deps.logger?.info(log, `reconciliation canceled at the venue: ${f.detail}`);
        out.push({ ...f, resolution: { action: 'cancel-at-venue', status: 'applied' } });
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      deps.logger?.error({ ...log, err: error }, `reconciliation correction failed: ${reason}`);
      out.push({ ...f, resolution: { action: c.action, status: 'failed', reason } });
    }
  }
  return out;
}
