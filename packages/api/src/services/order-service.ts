import {
  CLIENT_ORDER_ID_RE,
  OPEN_STATUSES,
  OrderValidationError,
  validateOrderRequest,
  type CommandResult,
  type Order,
} from '@veloz/engine';
import type { Logger } from 'pino';
import {
  EngineUnavailableError,
  NotAllowedError,
  NotFoundError,
  RejectedError,
  ValidationError,
} from '../errors';
import type { Projection } from '../projection/projection';
import type { CommandBus } from './command-bus';

/** Engine codes that mean "the engine could not decide": answered as ENGINE_UNAVAILABLE. */
const UNAVAILABLE_CODES = new Set(['ENGINE_NOT_READY', 'FENCED', 'STORAGE_UNAVAILABLE']);
const NOT_ALLOWED_CODES = new Set(['ORDER_NOT_OPEN', 'CANCEL_REJECTED', 'NOT_AVAILABLE']);

export interface OrderServiceOptions {
  account: string;
  projection: Projection;
  bus: CommandBus;
  /** How long a mutation waits for the engine's result and for the projection to apply it, ms. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * When `placeOrder` answers: VENUE once the venue's answer is journaled (NEW, FILLED, a venue rejection;
 * PENDING_NEW when it did not come in time), JOURNALED once the order is in the WAL (PENDING_NEW).
 */
export type PlaceOrderAck = 'JOURNALED' | 'VENUE';

/** The outcome of `placeOrder`: the order as journaled, and whether it existed already (idempotent retry). */
export interface PlaceOrderOutcome {
  order: Order;
  /** True when an order with this client order id existed before this call (nothing new was sent). */
  existing: boolean;
}

/**
 * The write side of the API: validate, send a command, wait for its result, then wait until this
 * replica's projection has applied the result's WAL sequence (read-your-writes). Expected failures are
 * thrown as the typed errors the schema returns as union members.
 */
export interface OrderService {
  /** `ack` defaults to VENUE. */
  placeOrder(
    input: Record<string, unknown>,
    issuedBy: string,
    ack?: PlaceOrderAck,
  ): Promise<PlaceOrderOutcome>;
  cancelOrder(clientOrderId: string, issuedBy: string): Promise<Order>;
  runReconciliation(
    venue: string | undefined,
    issuedBy: string,
  ): Promise<{ message: string; reportId?: string }>;
}

export function createOrderService(opts: OrderServiceOptions): OrderService {
  const { projection, bus } = opts;
  const log = opts.logger.child({ component: 'orders' });

  /**
   * JOURNALED placeOrders waiting for their order's ORDER_SUBMITTED in this replica's projection: that
   * WAL entry is their answer (the engine publishes no result for it). A rejection is journaled as
   * ORDER_REJECTED instead and answered by the engine's result, with its code.
   */
  const journaled = new Map<string, { done: Promise<void>; resolve: () => void; waiting: number }>();
  projection.events$.subscribe((e) => {
    if (e.event.type === 'ORDER_SUBMITTED') journaled.get(e.event.clientOrderId)?.resolve();
  });
  /** Wait for the order's ORDER_SUBMITTED (shared by concurrent calls for one id); `release` when done. */
  const watchJournal = (clientOrderId: string) => {
    let w = journaled.get(clientOrderId);
    if (!w) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      w = { done, resolve, waiting: 0 };
      journaled.set(clientOrderId, w);
    }
    w.waiting++;
    const watch = w;
    return {
      done: watch.done,
      release: () => {
        if (--watch.waiting === 0 && journaled.get(clientOrderId) === watch) journaled.delete(clientOrderId);
      },
    };
  };

  /** Send, wait for the result, then for the projection to reach its seq. */
  /**
   * Send, wait for the result, then for the projection to reach its seq. With `answered` (a JOURNALED
   * placeOrder), its resolving is the answer: undefined is returned, the order being in the projection.
   */
  const execute = async (
    command: Parameters<CommandBus['send']>[0],
    issuedBy: string,
    clientOrderId?: string,
    answered?: Promise<void>,
  ): Promise<CommandResult | undefined> => {
    const started = Date.now();
    const { commandId, result, timedOut } = await bus
      .send(command, issuedBy, opts.timeoutMs, answered)
      .catch((err: unknown) => {
        throw new EngineUnavailableError(`command could not be queued: ${(err as Error).message}`);
      });
    if (!timedOut && !result) return undefined;
    if (timedOut || !result) {
      log.warn({ commandId, clientOrderId, type: command.type }, 'engine did not answer in time');
      throw new EngineUnavailableError(
        `the engine did not answer within ${opts.timeoutMs} ms; the command stays queued and runs when the engine is back (retrying with the same clientOrderId is safe)`,
        commandId,
      );
    }
    if (result.seq !== undefined) {
      const left = Math.max(opts.timeoutMs - (Date.now() - started), 250);
      if (!(await projection.waitForSeq(result.seq, left)))
        throw new EngineUnavailableError(
          `the outcome was journaled at seq ${result.seq} but this replica has not applied it yet`,
          commandId,
        );
    }
    return result;
  };

  const fail = (result: CommandResult): never => {
    const code = result.code ?? 'UNKNOWN';
    const reason = result.reason ?? code;
    if (code === 'ORDER_INVALID' || code === 'COMMAND_INVALID')
      throw new ValidationError(reason, result.field ?? '(root)');
    if (code === 'ORDER_NOT_FOUND') throw new NotFoundError(reason);
    if (NOT_ALLOWED_CODES.has(code)) throw new NotAllowedError(reason, code);
    if (UNAVAILABLE_CODES.has(code)) throw new EngineUnavailableError(reason, result.commandId);
    throw new RejectedError(code, reason, result.clientOrderId);
  };

  return {
    async placeOrder(input, issuedBy, ack = 'VENUE') {
      if (input.account !== undefined && input.account !== null && input.account !== opts.account)
        throw new ValidationError(`this API serves account ${opts.account}`, 'account');
      let request;
      try {
        // GraphQL passes omitted-but-nullable fields as null; the engine's schema wants them absent.
        const present = Object.fromEntries(
          Object.entries(input).filter(([, v]) => v !== null && v !== undefined),
        );
        request = validateOrderRequest({ ...present, account: opts.account });
      } catch (err) {
        if (err instanceof OrderValidationError) throw new ValidationError(err.message, err.field);
        throw err;
      }
      const existing = projection.get(request.clientOrderId);
      if (existing) return { order: existing, existing: true };
      // VENUE is the engine's default: the command is sent without `ack`, as before the option existed.
      const command =
        ack === 'JOURNALED'
          ? ({ type: 'PLACE_ORDER', order: request, ack } as const)
          : ({ type: 'PLACE_ORDER', order: request } as const);
      const id = request.clientOrderId;
      // Registered before the command is sent: the entry cannot be applied before it is waited for.
      const watch = ack === 'JOURNALED' ? watchJournal(id) : undefined;
      let result;
      try {
        result = await execute(command, issuedBy, id, watch?.done);
      } finally {
        watch?.release();
      }
      const order = projection.get(id);
      // A risk rejection is journaled as a REJECTED order: report the reason as a typed error.
      if (result && !result.ok) fail(result);
      if (!order) throw new EngineUnavailableError('the engine answered but the order is not in the WAL yet');
      return { order, existing: false };
    },

    async cancelOrder(clientOrderId, issuedBy) {
      if (!CLIENT_ORDER_ID_RE.test(clientOrderId))
        throw new ValidationError('clientOrderId must be 1-64 characters of [A-Za-z0-9_-]', 'clientOrderId');
      const known = projection.get(clientOrderId);
      if (known?.status === 'CANCELED') return known;
      if (known && !OPEN_STATUSES.has(known.status))
        throw new NotAllowedError(
          `order ${clientOrderId} is ${known.status} and cannot be canceled`,
          'ORDER_NOT_OPEN',
        );
      const result = (await execute({ type: 'CANCEL_ORDER', clientOrderId }, issuedBy, clientOrderId))!;
      if (!result.ok) fail(result);
      const order = projection.get(clientOrderId);
      if (!order) throw new NotFoundError(`no order ${clientOrderId}`);
      return order;
    },

    async runReconciliation(venue, issuedBy) {
      if (venue !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/.test(venue))
        throw new ValidationError('venue must be 1-32 characters of [A-Za-z0-9._:/-]', 'venue');
      const result = (await execute(
        venue === undefined ? { type: 'RUN_RECONCILIATION' } : { type: 'RUN_RECONCILIATION', venue },
        issuedBy,
      ))!;
      if (!result.ok) fail(result);
      const reportId = /report (\S+?):/.exec(result.reason ?? '')?.[1];
      return { message: result.reason ?? 'reconciliation completed', ...(reportId ? { reportId } : {}) };
    },
  };
}
