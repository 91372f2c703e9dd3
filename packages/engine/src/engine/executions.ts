import type { ExecutionReport } from '../plugins/venue';
import { errorMessage, withTimeout, type EngineCore } from './core';
import { isBookRefusal } from './orders';
import { eventFromExecution, eventsFromVenueReport } from './reports';

/**
 * Journal a venue's execution report. Never throws: unknown orders, duplicates, illegal moves and WAL
 * failures are logged and counted (reconciliation repairs what is left).
 */
export async function handleExecution(
  core: EngineCore,
  venue: string,
  report: ExecutionReport,
): Promise<void> {
  const journal = core.journal();
  const id = report.clientOrderId;
  if (!journal || core.state() === 'FENCED') {
    core.logger.warn(
      { clientOrderId: id, venue, kind: report.kind },
      'execution report dropped: engine cannot journal',
    );
    return;
  }
  try {
    await journal.orderEvent(id, (order) => {
      const m = eventFromExecution(report, order);
      if ('event' in m) return m.event;
      if (m.skip === 'UNKNOWN_ORDER') {
        core.stats.inc('unknownReports');
        core.logger.warn(
          { clientOrderId: id, venue, kind: report.kind },
          'execution report for unknown order',
        );
      } else {
        core.stats.inc('duplicateReports');
        core.logger.debug({ clientOrderId: id, venue, kind: report.kind }, 'duplicate execution report');
      }
      return undefined;
    });
  } catch (err) {
    if (isBookRefusal(err)) {
      core.stats.inc('stateViolations');
      core.logger.warn(
        { clientOrderId: id, venue, kind: report.kind, err: errorMessage(err) },
        'execution report refused by the book',
      );
    } else {
      core.stats.inc('journalFailures');
      core.logger.error(
        { clientOrderId: id, venue, kind: report.kind, err: errorMessage(err) },
        'execution report not journaled',
      );
    }
  }
}

/**
 * Ask the venues about orders still PENDING_NEW (journaled, never answered) and journal what they say.
 * An order the venue never saw is REJECTED "not received by venue". Venue errors leave it pending.
 */
export async function resolvePending(
  core: EngineCore,
  onlyVenue?: string,
): Promise<{ resolved: number; unresolved: number }> {
  let resolved = 0;
  let unresolved = 0;
  const pending = core
    .store()
    .open()
    .filter(
      (o) =>
        o.status === 'PENDING_NEW' &&
        (!onlyVenue || o.venue === onlyVenue) &&
        !core.inflight.has(o.clientOrderId) &&
        // Its own submission answers for it (or gives up after submitTimeoutMs).
        !core.submitting.has(o.clientOrderId),
    );
  for (const order of pending) {
    const id = order.clientOrderId;
    const venue = core.venues.get(order.venue);
    if (!venue) {
      unresolved++;
      core.logger.warn(
        { clientOrderId: id, venue: order.venue },
        'pending order on a venue that is not configured',
      );
      continue;
    }
    try {
      const timeout = core.config.venueCallTimeoutMs;
      const report = await withTimeout(venue.orderStatus(id, order.symbol), timeout, `orderStatus ${id}`);
      const since = order.createdAt - 60_000;
      const fills =
        report && report.filledQuantity !== '0'
          ? (await withTimeout(venue.recentFills(since, order.symbol), timeout, 'recentFills')).filter(
              (f) => f.clientOrderId === id,
            )
          : [];
      const current = core.store().get(id);
      if (!current || current.status !== 'PENDING_NEW') continue; // resolved meanwhile by a report
      const events = eventsFromVenueReport(current, report, fills, core.clock.now());
      for (const event of events) await core.journal()!.orderEvent(id, () => event);
      if (events.length > 0) {
        resolved++;
        core.stats.inc('pendingResolved');
        core.logger.info(
          {
            clientOrderId: id,
            status: core.store().get(id)?.status,
            venueStatus: report?.status ?? 'UNKNOWN',
          },
          'pending order resolved',
        );
      } else unresolved++;
    } catch (err) {
      unresolved++;
      if (isBookRefusal(err)) core.stats.inc('stateViolations');
      core.logger.warn({ clientOrderId: id, err: errorMessage(err) }, 'could not resolve pending order');
    }
  }
  return { resolved, unresolved };
}
