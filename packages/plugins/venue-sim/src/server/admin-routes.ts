import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decimal, Side, VenueErrorCode } from '@veloz/engine';
import { z } from 'zod';
import { statusOfCode } from './api-routes';
import { HttpError, readJson, sendError, sendJson } from './http-util';
import type { ExchangeContext } from './sim-exchange';

const side = z.enum(['BUY', 'SELL']);
const code = z.enum([
  'REJECTED',
  'INSUFFICIENT_FUNDS',
  'INVALID_PRICE',
  'INVALID_QUANTITY',
  'UNKNOWN_SYMBOL',
  'RATE_LIMITED',
  'NOT_FOUND',
  'NETWORK',
  'UNAVAILABLE',
  'UNKNOWN',
]);
const schemas = {
  refuse: z.object({ seconds: z.number().min(0).max(3600) }),
  rejectNext: z.object({
    code: code.default('REJECTED'),
    reason: z.string().default('rejected by admin'),
    count: z.number().int().min(1).default(1),
  }),
  failNext: z.object({
    count: z.number().int().min(1),
    status: z.number().int().min(400).max(599).default(503),
  }),
  orphan: z.object({
    symbol: z.string(),
    side,
    quantity: z.string(),
    price: z.string().optional(),
    clientOrderId: z.string().optional(),
    type: z.enum(['LIMIT', 'MARKET']).optional(),
    timeInForce: z.enum(['GTC', 'IOC', 'FOK']).optional(),
    push: z.boolean().optional(),
  }),
  fill: z.object({
    clientOrderId: z.string(),
    quantity: z.string().optional(),
    price: z.string().optional(),
    push: z.boolean().optional(),
  }),
  cancel: z.object({ clientOrderId: z.string(), push: z.boolean().optional() }),
  price: z.object({ symbol: z.string(), price: z.string() }),
  bulk: z.object({
    symbol: z.string(),
    count: z.number().int().min(1).max(1_000_000),
    side: side.optional(),
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .optional(),
    push: z.boolean().optional(),
  }),
};

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const out = schema.safeParse(body);
  if (!out.success) {
    const issue = out.error.issues[0]!;
    throw new HttpError(400, 'REJECTED', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return out.data;
}

type Result = { ok: true } | { ok: false; code: VenueErrorCode; reason: string };
function answer(res: ServerResponse, out: Result & Record<string, unknown>): void {
  if (out.ok) return sendJson(res, 200, out);
  sendError(res, statusOfCode(out.code), out.code, out.reason);
}

/**
 * Fault injection and setup, all `POST /admin/<action>` with a JSON body (and `GET /admin/stats`):
 * drop-connections, refuse-connections {seconds}, reject-next {code?, reason?, count?},
 * fail-next {count, status?}, orphan {symbol, side, quantity, price?, clientOrderId?, push?},
 * fill {clientOrderId, quantity?, price?, push?}, cancel {clientOrderId, push?}, price {symbol, price},
 * bulk-orders {symbol, count, side?, prefix?, push?}.
 */
export async function handleAdmin(
  ctx: ExchangeContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { admin } = ctx;
  const action = url.pathname.slice('/admin/'.length);
  if (req.method === 'GET' && action === 'stats') return sendJson(res, 200, admin.stats());
  if (req.method !== 'POST') throw new HttpError(405, 'REJECTED', 'admin actions are POST');
  const body = await readJson(req);
  switch (action) {
    case 'drop-connections':
    case 'refuse-connections': {
      const seconds = action === 'refuse-connections' ? parse(schemas.refuse, body).seconds : 0;
      // Answer first: when admin shares the trading port, this request's own socket is dropped too.
      const data = JSON.stringify({ ok: true, ...admin.stats() });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(data),
        connection: 'close',
      });
      res.end(data, () => {
        if (action === 'refuse-connections') admin.refuseConnections(seconds * 1000);
        else admin.dropConnections();
      });
      return;
    }
    case 'reject-next': {
      const b = parse(schemas.rejectNext, body);
      admin.rejectNext(b.code, b.reason, b.count);
      return sendJson(res, 200, { ok: true });
    }
    case 'fail-next': {
      const b = parse(schemas.failNext, body);
      admin.failNext(b.count, b.status);
      return sendJson(res, 200, { ok: true });
    }
    case 'orphan': {
      const b = parse(schemas.orphan, body);
      return answer(res, admin.createOrphan({ ...b, side: b.side as Side, quantity: b.quantity as Decimal }));
    }
    case 'fill': {
      const b = parse(schemas.fill, body);
      return answer(res, admin.fill(b.clientOrderId, b));
    }
    case 'cancel': {
      const b = parse(schemas.cancel, body);
      return answer(res, admin.cancel(b.clientOrderId, b));
    }
    case 'price': {
      const b = parse(schemas.price, body);
      if (!admin.setPrice(b.symbol, b.price))
        throw new HttpError(400, 'INVALID_PRICE', `bad symbol or price ${b.symbol} ${b.price}`);
      return sendJson(res, 200, { ok: true });
    }
    case 'bulk-orders': {
      const b = parse(schemas.bulk, body);
      return sendJson(res, 200, { ok: true, created: admin.bulkOrders(b) });
    }
    default:
      throw new HttpError(404, 'NOT_FOUND', `no admin action ${action}`);
  }
}
