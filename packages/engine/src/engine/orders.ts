import { validateOrderRequest } from '../domain/validation';
import type { Order, OrderRequest } from '../domain/order';
import { OPEN_STATUSES } from '../domain/order';
import { OrderValidationError } from '../errors';
import { IllegalTransitionError } from '../domain/state-machine';
import { OrderEventError } from '../store/order-store';
import { FencedError } from '../plugins/storage';
import { VenueError, type SubmitResult } from '../plugins/venue';
import { checkRisk } from '../risk/risk';
import { errorMessage, priceKey, type EngineCore } from './core';
import { eventFromExecution } from './reports';
import type { CancelOrderResult, EngineErrorCode, PlaceOrderOptions, PlaceOrderResult } from './types';

/** The book refused the event (state machine, overfill): not a storage failure. */
export const isBookRefusal = (err: unknown) =>
  err instanceof IllegalTransitionError || err instanceof OrderEventError;

type Failure = { ok: false; code: EngineErrorCode; reason: string; order?: Order };

function notReady(core: EngineCore): Failure | undefined {
  const state = core.state();
  if (state === 'READY') return undefined;
  if (state === 'FENCED')
    return { ok: false, code: 'FENCED', reason: 'engine lost its WAL lease to another writer' };
  return { ok: false, code: 'ENGINE_NOT_READY', reason: `engine is ${state}` };
}

function journalFailure(core: EngineCore, err: unknown): Failure {
  core.stats.inc('journalFailures');
  if (err instanceof FencedError) return { ok: false, code: 'FENCED', reason: err.message };
  return { ok: false, code: 'STORAGE_UNAVAILABLE', reason: `WAL append failed: ${errorMessage(err)}` };
}

/** Journal a rejection of a request that never became an order (risk, unknown venue). */
async function journalRejection(
  core: EngineCore,
  request: OrderRequest,
  code: EngineErrorCode,
  reason: string,
): Promise<PlaceOrderResult> {
  try {
    const e = await core.journal()!.orderEvent(request.clientOrderId, () => ({
      type: 'ORDER_REJECTED',
      clientOrderId: request.clientOrderId,
      ts: core.clock.now(),
      source: 'engine',
      reason: `${code}: ${reason}`,
      order: request,
    }));
    core.stats.reject(code);
    core.logger.info({ clientOrderId: request.clientOrderId, code, reason }, 'order rejected');
    return { ok: false, code, reason, ...(e ? { order: e.order } : {}) };
  } catch (err) {
    return journalFailure(core, err);
  }
}

/** The answer of the venue to a submission, journaled. Runs to the end even after placeOrder timed out. */
async function handleSubmitOutcome(
  core: EngineCore,
  request: OrderRequest,
  outcome: { result: SubmitResult } | { error: unknown },
  sentAt: number,
): Promise<PlaceOrderResult> {
  const id = request.clientOrderId;
  const journal = core.journal()!;
  const current = () => core.store().get(id)!;
  try {
    if ('result' in outcome && outcome.result.status === 'ACCEPTED') {
      const { venueOrderId } = outcome.result;
      await journal.orderEvent(id, (o) => {
        const m = eventFromExecution(
          { kind: 'ACCEPTED', clientOrderId: id, venueOrderId, ts: core.clock.now() },
          o,
        );
        return 'event' in m ? m.event : undefined;
      });
      core.stats.ackLatency(performance.now() - sentAt);
      return { ok: true, order: current() };
    }
    const definitive =
      'result' in outcome
        ? outcome.result.status === 'REJECTED'
          ? outcome.result
          : undefined
        : outcome.error instanceof VenueError && !outcome.error.outcomeUnknown
          ? { reason: outcome.error.message, code: outcome.error.venueCode }
          : undefined;
    if (definitive) {
      await journal.orderEvent(id, (o) =>
        o && o.status !== 'REJECTED'
          ? {
              type: 'ORDER_REJECTED',
              clientOrderId: id,
              ts: core.clock.now(),
              source: 'venue',
              reason: definitive.reason,
            }
          : undefined,
      );
      core.logger.info({ clientOrderId: id, reason: definitive.reason }, 'order rejected by venue');
      return { ok: false, code: 'VENUE_REJECTED', reason: definitive.reason, order: current() };
    }
    const error = 'error' in outcome ? outcome.error : undefined;
    core.stats.inc('outcomeUnknown');
    core.logger.warn(
      { clientOrderId: id, err: errorMessage(error) },
      'submit outcome unknown; order stays PENDING_NEW',
    );
    return { ok: true, order: current() };
  } catch (err) {
    // The venue answered but the WAL did not take it: the order stays as journaled; reconciliation fixes it.
    core.logger.error({ clientOrderId: id, err: errorMessage(err) }, 'could not journal the venue answer');
    core.stats.inc(isBookRefusal(err) ? 'stateViolations' : 'journalFailures');
    return { ok: true, order: current() };
  }
}

/**
 * validate → risk → journal → store → venue → journal the answer. With `ack: 'JOURNALED'` the answer is
 * given once ORDER_SUBMITTED is journaled, and the venue part runs on (tracked in `core.submitting`).
 */
export async function placeOrder(
  core: EngineCore,
  input: unknown,
  options: PlaceOrderOptions = {},
): Promise<PlaceOrderResult> {
  const refused = notReady(core);
  if (refused) return refused;

  let request: OrderRequest;
  try {
    request = validateOrderRequest(input);
    if (request.account !== core.config.account)
      throw new OrderValidationError(
        `account ${request.account} is not this engine's account ${core.config.account}`,
        'account',
      );
  } catch (err) {
    core.stats.reject('ORDER_INVALID');
    const e = err as OrderValidationError;
    return { ok: false, code: 'ORDER_INVALID', reason: e.message, field: e.field };
  }
  const id = request.clientOrderId;

  const existing = core.store().get(id);
  if (existing || core.inflight.has(id)) {
    core.stats.reject('DUPLICATE_CLIENT_ORDER_ID');
    return {
      ok: false,
      code: 'DUPLICATE_CLIENT_ORDER_ID',
      reason: `client order id ${id} was already used`,
      ...(existing ? { order: existing } : {}),
    };
  }
  core.inflight.add(id);
  let submitted: Order | undefined;
  try {
    const venue = core.venues.get(request.venue);
    if (!venue)
      return await journalRejection(
        core,
        request,
        'UNKNOWN_VENUE',
        `venue ${request.venue} is not configured`,
      );

    const risk = checkRisk(
      request,
      {
        lastPrice: core.lastPrices.get(priceKey(request.venue, request.symbol)),
        openOrders: core.store().openOrderCount,
        recentOrders: core.rate.count(),
        duplicate: false,
        symbols: core.symbols.get(request.venue),
      },
      core.limits,
    );
    if (!risk.ok) return await journalRejection(core, request, risk.code, risk.reason);
    core.rate.record();

    try {
      const e = await core.journal()!.orderEvent(id, () => ({
        type: 'ORDER_SUBMITTED',
        clientOrderId: id,
        ts: core.clock.now(),
        source: 'engine',
        order: request,
      }));
      submitted = e?.order;
    } catch (err) {
      return journalFailure(core, err);
    }
  } finally {
    core.inflight.delete(id);
  }

  const answer = submit(core, request);
  if (options.ack === 'JOURNALED') return { ok: true, order: submitted ?? core.store().get(id)! };
  return answer;
}

/**
 * Send a journaled order to its venue and journal the answer. Resolves with the answer, or PENDING_NEW
 * after `submitTimeoutMs` (the venue's late answer is still journaled). Never rejects.
 */
function submit(core: EngineCore, request: OrderRequest): Promise<PlaceOrderResult> {
  const id = request.clientOrderId;
  const sentAt = performance.now();
  const outcome = core.venues
    .get(request.venue)!
    .submitOrder(request)
    .then(
      (result) => handleSubmitOutcome(core, request, { result }, sentAt),
      (error: unknown) => handleSubmitOutcome(core, request, { error }, sentAt),
    );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), core.config.submitTimeoutMs);
  });
  const answer = Promise.race([outcome, timedOut]).then((first): PlaceOrderResult => {
    clearTimeout(timer);
    if (core.submitting.get(id) === answer) core.submitting.delete(id);
    if (first !== 'timeout') return first;
    core.stats.inc('outcomeUnknown');
    core.logger.warn({ clientOrderId: id }, 'venue did not answer in time; order stays PENDING_NEW');
    return { ok: true, order: core.store().get(id)! };
  });
  core.submitting.set(id, answer);
  return answer;
}

/** Journal CANCEL_REQUESTED, ask the venue; its CANCELED report arrives through executions$. */
export async function cancelOrder(core: EngineCore, clientOrderId: string): Promise<CancelOrderResult> {
  // A cancel right after a JOURNALED answer: let the venue see the order first (or give up on it after
  // submitTimeoutMs), so the cancel is not refused by a venue that has not received the order yet.
  const submitting = core.submitting.get(clientOrderId);
  if (submitting) await submitting;
  const refused = notReady(core);
  if (refused) return refused;
  const order = core.store().get(clientOrderId);
  if (!order) return { ok: false, code: 'ORDER_NOT_FOUND', reason: `no order ${clientOrderId}` };
  if (order.status === 'PENDING_CANCEL') return { ok: true, order };
  if (!OPEN_STATUSES.has(order.status))
    return { ok: false, code: 'ORDER_NOT_OPEN', reason: `order ${clientOrderId} is ${order.status}`, order };
  const venue = core.venues.get(order.venue);
  if (!venue)
    return { ok: false, code: 'UNKNOWN_VENUE', reason: `venue ${order.venue} is not configured`, order };

  try {
    await core
      .journal()!
      .orderEvent(clientOrderId, (o) =>
        o && OPEN_STATUSES.has(o.status) && o.status !== 'PENDING_CANCEL'
          ? { type: 'CANCEL_REQUESTED', clientOrderId, ts: core.clock.now(), source: 'engine' }
          : undefined,
      );
  } catch (err) {
    return journalFailure(core, err);
  }
  const current = () => core.store().get(clientOrderId)!;
  try {
    await venue.cancelOrder({
      clientOrderId,
      symbol: order.symbol,
      ...(order.venueOrderId ? { venueOrderId: order.venueOrderId } : {}),
    });
    return { ok: true, order: current() };
  } catch (err) {
    if (err instanceof VenueError && err.venueCode === 'NOT_FOUND') {
      try {
        await core.journal()!.orderEvent(clientOrderId, (o) =>
          o?.status === 'PENDING_CANCEL'
            ? {
                type: 'CANCEL_REJECTED',
                clientOrderId,
                ts: core.clock.now(),
                source: 'venue',
                reason: err.message,
              }
            : undefined,
        );
      } catch (jerr) {
        return journalFailure(core, jerr);
      }
      return { ok: false, code: 'CANCEL_REJECTED', reason: err.message, order: current() };
    }
    core.logger.warn(
      { clientOrderId, err: errorMessage(err) },
      'cancel outcome unknown; order stays PENDING_CANCEL',
    );
    return { ok: false, code: 'VENUE_UNAVAILABLE', reason: errorMessage(err), order: current() };
  }
}
