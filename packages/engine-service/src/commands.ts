import { commandSchema, type CommandResult, type Engine, type Order } from '@veloz/engine';

/** What a command needs besides the engine. */
export interface CommandHandlerDeps {
  engine: Engine;
  /** Run a reconciliation now and wait for it; undefined when reconciliation is not wired. */
  runReconciliation?: (venue?: string) => Promise<{ id: string; findings: number; status: string }>;
  /** True while new orders on `venue` are halted by reconciliation. */
  halted?: (venue: string) => boolean;
  /**
   * PLACE_ORDER commands issued longer ago than this (ms, by their `issuedAt`) are answered
   * COMMAND_EXPIRED and not placed: an order queued while the engine was down must not reach the market
   * minutes or hours later. Undefined or 0: no limit.
   */
  maxCommandAgeMs?: number;
  now: () => number;
}

/**
 * The outcome of one command: a result to publish, or `retry` when the engine cannot decide now
 * (stopping, fenced) and the command must stay pending for the next engine.
 */
export type CommandOutcome =
  | {
      kind: 'result';
      result: CommandResult;
      /**
       * The WAL is the answer: acknowledge the command without publishing the result. Only a PLACE_ORDER
       * with `ack: JOURNALED` that journaled its order: the API that sent it waits for the order's
       * ORDER_SUBMITTED entry, not for a result.
       */
      quiet?: true;
    }
  | { kind: 'retry'; reason: string };

/** Engine codes meaning "not decided by this engine": the command stays in the stream, unanswered. */
const RETRY_CODES = new Set(['ENGINE_NOT_READY', 'FENCED']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A stream entry's `command` field parsed once (by the consumer, for both the key and the handler). */
export type ParsedCommand = { json: unknown } | { json?: undefined; notJson: true };

export function parseCommand(raw: string | undefined): ParsedCommand {
  try {
    return { json: JSON.parse(raw ?? '') as unknown };
  } catch {
    return { notJson: true };
  }
}

/** What a command's processing is serialized on: its order (place and cancel of one order run in turn). */
export function commandKey(raw: string | undefined, parsed: ParsedCommand = parseCommand(raw)): string {
  const c = parsed.json;
  // Invalid: answered at once, nothing to serialize on.
  if (!isObject(c)) return '';
  if (c.type === 'PLACE_ORDER' && isObject(c.order) && typeof c.order.clientOrderId === 'string')
    return `order:${c.order.clientOrderId}`;
  if (c.type === 'CANCEL_ORDER' && typeof c.clientOrderId === 'string') return `order:${c.clientOrderId}`;
  if (c.type === 'RUN_RECONCILIATION') return 'reconciliation';
  return '';
}

const orderFields = (order: Order | undefined) =>
  order ? { clientOrderId: order.clientOrderId, seq: order.seq } : {};

/**
 * Validate and execute one command (the `command` field of a stream entry, JSON). Never rejects.
 * `fallbackId` (the stream entry id) names the result of a command too broken to carry its own id.
 * Idempotent: placing an order whose client order id exists answers with that order; canceling an order
 * already canceled answers ok.
 */
export async function handleCommand(
  raw: string | undefined,
  fallbackId: string,
  deps: CommandHandlerDeps,
  parsed: ParsedCommand = parseCommand(raw),
): Promise<CommandOutcome> {
  const { engine } = deps;
  const answer = (r: Omit<CommandResult, 'at'>): CommandOutcome => ({
    kind: 'result',
    result: { ...r, at: deps.now() },
  });

  if ('notJson' in parsed)
    return answer({
      commandId: fallbackId,
      ok: false,
      code: 'COMMAND_INVALID',
      reason: raw === undefined ? 'entry has no "command" field' : 'command is not JSON',
    });
  const { json } = parsed;
  const checked = commandSchema.safeParse(json);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const id =
      isObject(json) && typeof json.commandId === 'string' && json.commandId ? json.commandId : fallbackId;
    const field = issue.path.join('.');
    return answer({
      commandId: id.slice(0, 64),
      ok: false,
      code: 'COMMAND_INVALID',
      reason: `${field || 'command'}: ${issue.message}`,
      ...(field ? { field } : {}),
    });
  }
  const cmd = checked.data;

  switch (cmd.type) {
    case 'PLACE_ORDER': {
      const id = isObject(cmd.order) ? cmd.order.clientOrderId : undefined;
      let existing = typeof id === 'string' ? engine.getOrder(id) : undefined;
      if (existing && typeof id === 'string') {
        // A retry asking for the venue's answer gets it, even when the first attempt was answered JOURNALED.
        if (cmd.ack !== 'JOURNALED') {
          await engine.venueAnswer(id);
          existing = engine.getOrder(id) ?? existing;
        }
        return answer({ commandId: cmd.commandId, ok: true, ...orderFields(existing) });
      }
      const age = deps.now() - cmd.issuedAt;
      if (deps.maxCommandAgeMs && age > deps.maxCommandAgeMs)
        return answer({
          commandId: cmd.commandId,
          ok: false,
          code: 'COMMAND_EXPIRED',
          reason: `issued ${age} ms ago, older than VELOZ_ENGINE_COMMAND_MAX_AGE_MS (${deps.maxCommandAgeMs} ms): not placed; place it again (the client order id is still free)`,
          ...(typeof id === 'string' ? { clientOrderId: id } : {}),
        });
      const venue = isObject(cmd.order) ? cmd.order.venue : undefined;
      if (typeof venue === 'string' && deps.halted?.(venue))
        return answer({
          commandId: cmd.commandId,
          ok: false,
          code: 'VENUE_HALTED',
          reason: `new orders on venue ${venue} are halted by reconciliation`,
          field: 'venue',
          ...(typeof id === 'string' ? { clientOrderId: id } : {}),
        });
      const res = await engine.placeOrder(cmd.order, cmd.ack ? { ack: cmd.ack } : {});
      if (res.ok && cmd.ack === 'JOURNALED')
        return {
          kind: 'result',
          result: { commandId: cmd.commandId, ok: true, ...orderFields(res.order), at: deps.now() },
          quiet: true,
        };
      if (res.ok) return answer({ commandId: cmd.commandId, ok: true, ...orderFields(res.order) });
      if (RETRY_CODES.has(res.code)) return { kind: 'retry', reason: res.reason };
      return answer({
        commandId: cmd.commandId,
        ok: false,
        code: res.code,
        reason: res.reason,
        ...(res.field ? { field: res.field } : {}),
        ...(typeof id === 'string' ? { clientOrderId: id } : {}),
        ...orderFields(res.order),
      });
    }
    case 'CANCEL_ORDER': {
      const res = await engine.cancelOrder(cmd.clientOrderId);
      if (res.ok) return answer({ commandId: cmd.commandId, ok: true, ...orderFields(res.order) });
      if (RETRY_CODES.has(res.code)) return { kind: 'retry', reason: res.reason };
      const order = res.order ?? engine.getOrder(cmd.clientOrderId);
      // A retried cancel of an order that is canceled already succeeded the first time.
      if (order?.status === 'CANCELED')
        return answer({ commandId: cmd.commandId, ok: true, ...orderFields(order) });
      return answer({
        commandId: cmd.commandId,
        ok: false,
        code: res.code,
        reason: res.reason,
        clientOrderId: cmd.clientOrderId,
        ...(order ? { seq: order.seq } : {}),
      });
    }
    case 'RUN_RECONCILIATION': {
      if (!deps.runReconciliation)
        return answer({
          commandId: cmd.commandId,
          ok: false,
          code: 'NOT_AVAILABLE',
          reason: 'reconciliation is not running in this engine',
        });
      try {
        const report = await deps.runReconciliation(cmd.venue);
        return answer({
          commandId: cmd.commandId,
          ok: report.status === 'completed',
          ...(report.status === 'completed' ? {} : { code: 'RECONCILIATION_FAILED' }),
          reason: `report ${report.id}: ${report.status}, ${report.findings} finding(s)`,
        });
      } catch (err) {
        return answer({
          commandId: cmd.commandId,
          ok: false,
          code: 'RECONCILIATION_FAILED',
          reason: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }
}
