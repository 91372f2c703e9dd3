import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VenueErrorCode } from '@veloz/engine';
import { HttpError, readJson, sendError, sendJson } from './http-util';
import type { SimOrderInput } from './matching-engine';
import type { ExchangeContext } from './sim-exchange';

/** HTTP status for a rejected order's code: validation 400, business rules 422, unknown 404. */
export function statusOfCode(code: VenueErrorCode): number {
  switch (code) {
    case 'NOT_FOUND':
      return 404;
    case 'INSUFFICIENT_FUNDS':
    case 'REJECTED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    default:
      return 400;
  }
}

const ORDER_PATH = /^\/api\/orders\/([^/]+)$/;

/**
 * The trading API:
 * POST /api/orders, DELETE /api/orders/:clientOrderId, GET /api/orders/open?symbol=,
 * GET /api/orders/:clientOrderId, GET /api/fills?since=&symbol=, GET /api/instruments, GET /api/time.
 * Errors are `{ error: { code, message } }` with a VenueErrorCode.
 */
export async function handleApi(
  ctx: ExchangeContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const failure = ctx.takeFailure();
  if (failure !== undefined) {
    const code = failure === 429 ? 'RATE_LIMITED' : 'UNAVAILABLE';
    return sendError(res, failure, code, 'injected failure');
  }
  const { engine } = ctx;
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const symbol = url.searchParams.get('symbol') ?? undefined;

  if (method === 'GET' && path === '/api/time') return sendJson(res, 200, { serverTime: Date.now() });
  if (method === 'GET' && path === '/api/instruments')
    return sendJson(res, 200, {
      instruments: engine.instruments().map((i) => ({ ...i, price: engine.price(i.symbol) })),
    });
  if (method === 'GET' && path === '/api/orders/open') {
    if (symbol !== undefined && !engine.instrument(symbol))
      throw new HttpError(400, 'UNKNOWN_SYMBOL', `unknown symbol ${symbol}`);
    return sendJson(res, 200, { orders: engine.openOrders(symbol) });
  }
  if (method === 'GET' && path === '/api/fills') {
    const since = Number(url.searchParams.get('since') ?? '0');
    if (!Number.isFinite(since)) throw new HttpError(400, 'REJECTED', 'since must be epoch ms');
    return sendJson(res, 200, { fills: engine.fills(since, symbol) });
  }
  if (method === 'POST' && path === '/api/orders') {
    const body = await readJson(req);
    const out = engine.submit(body as unknown as SimOrderInput, Date.now());
    ctx.publish(out.reports);
    if (!out.ok) {
      ctx.logger?.info(
        { clientOrderId: body.clientOrderId, code: out.code, reason: out.reason },
        'order rejected',
      );
      return sendError(res, statusOfCode(out.code), out.code, out.reason);
    }
    return sendJson(res, out.duplicate ? 200 : 201, { order: out.order, duplicate: out.duplicate });
  }
  const match = ORDER_PATH.exec(path);
  if (match) {
    const id = decodeURIComponent(match[1]!);
    if (method === 'GET') {
      const order = engine.get(id);
      return order ? sendJson(res, 200, { order }) : sendError(res, 404, 'NOT_FOUND', `unknown order ${id}`);
    }
    if (method === 'DELETE') {
      const out = engine.cancel(id, Date.now());
      if (!out.ok) return sendError(res, statusOfCode(out.code), out.code, out.reason);
      ctx.publish(out.reports);
      return sendJson(res, 200, { order: out.order });
    }
  }
  sendError(res, 404, 'NOT_FOUND', `no route ${method} ${path}`);
}
