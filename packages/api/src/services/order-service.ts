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
  placeOrder(input: Record<string, unknown>, issuedBy: string): Promise<PlaceOrderOutcome>;
  cancelOrder(clientOrderId: string, issuedBy: string): Promise<Order>;
  runReconciliation(
    venue: string | undefined,
    issuedBy: string,
  ): Promise<{ message: string; reportId?: string }>;
}

export function createOrderService(opts: OrderServiceOptions): OrderService {
  const { projection, bus } = opts;
  const log = opts.logger.child({ component: 'orders' });

  /** Send, wait for the result, then for the projection to reach its seq. */
  const execute = async (
    command: Parameters<CommandBus['send']>[0],
    issuedBy: string,
    clientOrderId?: string,
  ): Promise<CommandResult> => {
    const started = Date.now();
    const { commandId, result, timedOut } = await bus
      .send(command, issuedBy, opts.timeoutMs)
      .catch((err: unknown) => {
        throw new EngineUnavailableError(`command could not be queued: ${(err as Error).message}`);
      });
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
    async placeOrder(input, issuedBy) {
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
      const result = await execute({ type: 'PLACE_ORDER', order: request }, issuedBy, request.clientOrderId);
      const order = projection.get(request.clientOrderId);
      // A risk rejection is journaled as a REJECTED order: report the reason as a typed error.
      if (!result.ok) fail(result);
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
      const result = await execute({ type: 'CANCEL_ORDER', clientOrderId }, issuedBy, clientOrderId);
      if (!result.ok) fail(result);
      const order = projection.get(clientOrderId);
      if (!order) throw new NotFoundError(`no order ${clientOrderId}`);
      return order;
    },

    async runReconciliation(venue, issuedBy) {
      if (venue !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,31}$/.test(venue))
        throw new ValidationError('venue must be 1-32 characters of [A-Za-z0-9._:/-]', 'venue');
      const result = await execute(
        venue === undefined ? { type: 'RUN_RECONCILIATION' } : { type: 'RUN_RECONCILIATION', venue },
        issuedBy,
      );
      if (!result.ok) fail(result);
      const reportId = /report (\S+?):/.exec(result.reason ?? '')?.[1];
      return { message: result.reason ?? 'reconciliation completed', ...(reportId ? { reportId } : {}) };
    },
  };
}
