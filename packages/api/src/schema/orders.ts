import { GraphQLError } from 'graphql';
import { ORDER_STATUSES, type Fill, type Order, type OrderStatus } from '@veloz/engine';
import { canOperate } from '../auth';
import type { ApiContext } from '../context';
import { ForbiddenError } from '../errors';
import { CursorExpiredError, type ProjectedEvent } from '../projection/event-log';
import { OrderEventStream } from '../projection/order-event-stream';
import type { PlaceOrderOutcome } from '../services/order-service';
import { builder } from './builder';
import { MUTATION_ERRORS } from './errors';

export const OrderStatusEnum = builder.enumType('OrderStatus', { values: ORDER_STATUSES });
export const SideEnum = builder.enumType('Side', { values: ['BUY', 'SELL'] as const });
export const OrderTypeEnum = builder.enumType('OrderType', { values: ['LIMIT', 'MARKET'] as const });
export const TimeInForceEnum = builder.enumType('TimeInForce', { values: ['GTC', 'IOC', 'FOK'] as const });
export const OrderEventTypeEnum = builder.enumType('OrderEventType', {
  values: [
    'ORDER_SUBMITTED',
    'ORDER_ACCEPTED',
    'ORDER_REJECTED',
    'ORDER_FILLED',
    'CANCEL_REQUESTED',
    'CANCEL_REJECTED',
    'ORDER_CANCELED',
    'ORDER_EXPIRED',
  ] as const,
});

export const FillRef = builder.objectRef<Fill>('Fill').implement({
  description: "One execution; `fillId` is the venue's trade id.",
  fields: (t) => ({
    fillId: t.exposeString('fillId'),
    quantity: t.expose('quantity', { type: 'Decimal' }),
    price: t.expose('price', { type: 'Decimal' }),
    timestamp: t.exposeFloat('timestamp', { description: 'Epoch ms at the venue.' }),
  }),
});

export const OrderRef = builder.objectRef<Order>('Order');
export const OrderEventRef = builder.objectRef<ProjectedEvent>('OrderEvent');

OrderRef.implement({
  description: "The order of record, as folded from the WAL by the engine's reducer.",
  fields: (t) => ({
    clientOrderId: t.exposeString('clientOrderId'),
    account: t.exposeString('account'),
    venue: t.exposeString('venue'),
    symbol: t.exposeString('symbol'),
    side: t.expose('side', { type: SideEnum }),
    type: t.expose('type', { type: OrderTypeEnum }),
    timeInForce: t.expose('timeInForce', { type: TimeInForceEnum }),
    quantity: t.expose('quantity', { type: 'Decimal' }),
    price: t.expose('price', { type: 'Decimal', nullable: true }),
    status: t.expose('status', { type: OrderStatusEnum }),
    filledQuantity: t.expose('filledQuantity', { type: 'Decimal' }),
    averageFillPrice: t.expose('averageFillPrice', { type: 'Decimal', nullable: true }),
    venueOrderId: t.exposeString('venueOrderId', { nullable: true }),
    rejectReason: t.exposeString('rejectReason', { nullable: true }),
    fills: t.field({ type: [FillRef], resolve: (o) => o.fills }),
    createdAt: t.exposeFloat('createdAt', { description: 'Epoch ms.' }),
    updatedAt: t.exposeFloat('updatedAt', { description: 'Epoch ms.' }),
    seq: t.exposeInt('seq', { description: 'WAL sequence of the last event applied.' }),
    events: t.field({
      type: [OrderEventRef],
      description: "Event history, oldest first (events since the projection's base snapshot).",
      resolve: (o, _a, ctx) => [...ctx.services.projection.history(o.clientOrderId)],
    }),
  }),
});

OrderEventRef.implement({
  description: 'One journaled order event. `seq` is the cursor to resume `orderEvents` from.',
  fields: (t) => ({
    seq: t.exposeInt('seq'),
    walTs: t.exposeFloat('walTs', { description: 'Epoch ms when the WAL accepted it.' }),
    type: t.field({ type: OrderEventTypeEnum, resolve: (e) => e.event.type }),
    clientOrderId: t.string({ resolve: (e) => e.event.clientOrderId }),
    ts: t.float({ description: 'Epoch ms when it happened.', resolve: (e) => e.event.ts }),
    source: t.string({ nullable: true, resolve: (e) => e.event.source ?? null }),
    reason: t.string({
      nullable: true,
      resolve: (e) => ('reason' in e.event ? (e.event.reason ?? null) : null),
    }),
    venueOrderId: t.string({
      nullable: true,
      resolve: (e) => ('venueOrderId' in e.event ? (e.event.venueOrderId ?? null) : null),
    }),
    fill: t.field({
      type: FillRef,
      nullable: true,
      resolve: (e) => (e.event.type === 'ORDER_FILLED' ? e.event.fill : null),
    }),
    order: t.field({
      type: OrderRef,
      description: 'The order right after this event.',
      resolve: (e) => e.order,
    }),
  }),
});

const OrderEdge = builder.objectRef<{ cursor: string; node: Order }>('OrderEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: OrderRef, resolve: (e) => e.node }),
  }),
});
const PageInfo = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});
const OrderConnection = builder
  .objectRef<{
    edges: { cursor: string; node: Order }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount: number;
  }>('OrderConnection')
  .implement({
    description: 'Orders newest first (createdAt, then clientOrderId, descending).',
    fields: (t) => ({
      edges: t.field({ type: [OrderEdge], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
      totalCount: t.exposeInt('totalCount', { description: 'Orders matching the filters.' }),
    }),
  });

const encodeCursor = (o: Order) => Buffer.from(`${o.createdAt}:${o.clientOrderId}`).toString('base64url');
function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const raw = Buffer.from(cursor, 'base64url').toString();
  const i = raw.indexOf(':');
  const createdAt = Number(raw.slice(0, i));
  if (i <= 0 || !Number.isFinite(createdAt))
    throw new GraphQLError('invalid cursor', { extensions: { code: 'BAD_USER_INPUT' } });
  return { createdAt, id: raw.slice(i + 1) };
}
/** Newest first: createdAt descending, then clientOrderId descending. */
const newerFirst = (a: Order, b: Order) =>
  b.createdAt - a.createdAt ||
  (a.clientOrderId < b.clientOrderId ? 1 : a.clientOrderId > b.clientOrderId ? -1 : 0);

builder.queryFields((t) => ({
  orders: t.field({
    type: OrderConnection,
    description: 'Orders, filtered, newest first, cursor-paginated (`first` at most 500).',
    args: {
      status: t.arg({ type: [OrderStatusEnum], required: false }),
      symbol: t.arg.string({ required: false }),
      side: t.arg({ type: SideEnum, required: false }),
      venue: t.arg.string({ required: false }),
      first: t.arg.int({ required: false, defaultValue: 50 }),
      after: t.arg.string({ required: false }),
    },
    resolve: (_r, args, ctx) => {
      const first = args.first ?? 50;
      if (first < 0 || first > 500)
        throw new GraphQLError('first must be between 0 and 500', { extensions: { code: 'BAD_USER_INPUT' } });
      const statuses = args.status?.length ? new Set<OrderStatus>(args.status) : undefined;
      const matching: Order[] = [];
      for (const o of ctx.services.projection.orders()) {
        if (statuses && !statuses.has(o.status)) continue;
        if (args.symbol && o.symbol !== args.symbol) continue;
        if (args.side && o.side !== args.side) continue;
        if (args.venue && o.venue !== args.venue) continue;
        matching.push(o);
      }
      matching.sort(newerFirst);
      let start = 0;
      if (args.after) {
        const c = decodeCursor(args.after);
        const pivot = { createdAt: c.createdAt, clientOrderId: c.id } as Order;
        start = matching.findIndex((o) => newerFirst(pivot, o) < 0);
        if (start < 0) start = matching.length;
      }
      const page = matching.slice(start, start + first);
      return {
        edges: page.map((node) => ({ cursor: encodeCursor(node), node })),
        pageInfo: {
          hasNextPage: start + first < matching.length,
          endCursor: page.length ? encodeCursor(page.at(-1)!) : null,
        },
        totalCount: matching.length,
      };
    },
  }),
  order: t.field({
    type: OrderRef,
    nullable: true,
    description: 'One order by client order id, with its event history (`events`); null when unknown.',
    args: { clientOrderId: t.arg.string({ required: true }) },
    resolve: (_r, args, ctx) => ctx.services.projection.get(args.clientOrderId) ?? null,
  }),
}));

const PlaceOrderInput = builder.inputType('PlaceOrderInput', {
  description:
    "A new order. The account is the API's; `timeInForce` defaults to GTC (LIMIT) or IOC (MARKET).",
  fields: (t) => ({
    clientOrderId: t.string({
      required: true,
      description: '1-64 of [A-Za-z0-9_-]; retries with the same id are idempotent.',
    }),
    venue: t.string({ required: true }),
    symbol: t.string({ required: true }),
    side: t.field({ type: SideEnum, required: true }),
    type: t.field({ type: OrderTypeEnum, required: true }),
    timeInForce: t.field({ type: TimeInForceEnum, required: false }),
    quantity: t.field({ type: 'Decimal', required: true }),
    price: t.field({
      type: 'Decimal',
      required: false,
      description: 'Required for LIMIT, absent for MARKET.',
    }),
  }),
});

export const PlaceOrderAckEnum = builder.enumType('PlaceOrderAck', {
  description: 'When `placeOrder` answers.',
  values: {
    JOURNALED: {
      description:
        "Once the order is in the WAL and visible to this replica (PENDING_NEW, or NEW/FILLED if the venue's answer was applied first), or with the journaled rejection (validation, risk). The engine sends the order to the venue right after; follow it with `order` or `orderEvents` (a venue rejection only shows there).",
    },
    VENUE: {
      description:
        "Once the venue's answer is journaled and visible to this replica: NEW, FILLED, or a REJECTED error; PENDING_NEW when the venue did not answer in time.",
    },
  } as const,
});

const PlaceOrderPayload = builder.objectRef<PlaceOrderOutcome>('PlaceOrderSuccess').implement({
  description:
    "The order as journaled: NEW, FILLED, or PENDING_NEW while the venue's answer is unknown or not waited for (`ack: JOURNALED`).",
  fields: (t) => ({
    order: t.field({ type: OrderRef, resolve: (p) => p.order }),
    existing: t.exposeBoolean('existing', {
      description:
        'True when the client order id existed already (an idempotent retry: nothing new was sent).',
    }),
  }),
});

const requireOperator = (ctx: ApiContext) => {
  if (!canOperate(ctx.principal)) throw new ForbiddenError('this operation needs an operator token');
  return ctx.principal!.name;
};

builder.mutationFields((t) => ({
  placeOrder: t.field({
    type: PlaceOrderPayload,
    description:
      "Place an order; answers once its outcome (`ack`: the venue's answer, or only the order's journal entry) is in the WAL and visible to this replica.",
    errors: { types: MUTATION_ERRORS, directResult: true, union: { name: 'PlaceOrderResult' } },
    args: {
      input: t.arg({ type: PlaceOrderInput, required: true }),
      ack: t.arg({ type: PlaceOrderAckEnum, required: false, defaultValue: 'VENUE' }),
    },
    resolve: async (_r, { input, ack }, ctx) => {
      const by = requireOperator(ctx);
      return ctx.services.orders.placeOrder({ ...input }, by, ack ?? 'VENUE');
    },
  }),
  cancelOrder: t.field({
    type: OrderRef,
    description: 'Request a cancel; answers with the order once the request (or the cancel) is journaled.',
    errors: {
      types: MUTATION_ERRORS,
      union: { name: 'CancelOrderResult' },
      result: { name: 'CancelOrderSuccess' },
      dataField: { name: 'order' },
    },
    args: { clientOrderId: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => {
      const by = requireOperator(ctx);
      return ctx.services.orders.cancelOrder(args.clientOrderId, by);
    },
  }),
}));

builder.subscriptionFields((t) => ({
  orderEvents: t.field({
    type: OrderEventRef,
    description:
      'Every order event in WAL order. Pass the `seq` of the last event you processed as `after` to resume without missing any; without `after`, only new events are sent. A cursor older than the events kept gives an error with code CURSOR_EXPIRED.',
    args: {
      after: t.arg.int({ required: false }),
      clientOrderId: t.arg.string({ required: false }),
      symbol: t.arg.string({ required: false }),
    },
    subscribe: (_r, args, ctx) => {
      const projection = ctx.services.projection;
      const cursor = args.after ?? projection.status().appliedSeq;
      // Validate the cursor before the stream starts so the client gets a clear error at once.
      try {
        projection.eventsAfter(cursor, 0);
      } catch (err) {
        if (err instanceof CursorExpiredError)
          throw new GraphQLError(err.message, { extensions: { code: err.code, oldestCursor: err.oldest } });
        throw err;
      }
      // Over graphql-ws this stream is not iterated: src/ws/fanout.ts delivers its events through a group.
      return new OrderEventStream(projection, cursor, {
        clientOrderId: args.clientOrderId,
        symbol: args.symbol,
      });
    },
    resolve: (e) => e,
  }),
}));
