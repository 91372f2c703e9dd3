import { BehaviorSubject, Subject } from 'rxjs';
import { add, cmp, div, mul, sub, ZERO, type Decimal } from '../domain/decimal';
import type { Fill, OrderRequest, OrderStatus } from '../domain/order';
import type { PluginContext } from '../plugins/context';
import {
  VenueError,
  type ConnectionStatus,
  type ExecutionReport,
  type InstrumentSpec,
  type MarketTick,
  type SubmitResult,
  type VenueOrderReport,
  type VenuePlugin,
} from '../plugins/venue';

/** What the test venue does with the next submissions. */
export type SubmitBehavior =
  | { kind: 'accept' }
  | { kind: 'reject'; reason: string }
  /** Throw VenueError NETWORK (outcome unknown). With `received`, the venue did take the order. */
  | { kind: 'network'; received: boolean }
  /** Never answer (until `releaseHung`). The order is in the venue's book. */
  | { kind: 'hang' };

/** The venue's own book, shareable between instances to simulate an engine restart against one venue. */
export type TestVenueBook = Map<string, VenueOrderReport & { fills: Fill[] }>;

export interface TestVenueOptions {
  /** Venue id (default "test"); the plugin is "venue:<id>". */
  venue?: string;
  /** Symbols traded (default BTC-USD and ETH-USD). */
  symbols?: string[];
  /** Share a book with another instance (restart tests). */
  book?: TestVenueBook;
  /**
   * Called inside submitOrder before the venue takes the order, for assertions about what the engine
   * did before sending (e.g. journal-before-effect). May be async.
   */
  onSubmit?: (order: OrderRequest) => void | Promise<void>;
}

/** Scripting controls of the test venue. */
export interface TestVenueControls {
  readonly book: TestVenueBook;
  /** Orders received by submitOrder, in order. */
  readonly submitted: OrderRequest[];
  /** Cancel requests received, by client order id. */
  readonly cancelRequests: string[];
  /** Behaviour of the following submissions (default accept). */
  setSubmitBehavior(b: SubmitBehavior): void;
  /** Answer every hung submission with ACCEPTED. */
  releaseHung(): void;
  /** When true, cancelOrder resolves without emitting CANCELED (the report comes later via `cancel`). */
  setManualCancel(manual: boolean): void;
  /** Fill an order in the book and push a FILL report. Returns the fill. */
  fill(clientOrderId: string, quantity: Decimal, price: Decimal, fillId?: string): Fill;
  /** Cancel an order in the book and push CANCELED. */
  cancel(clientOrderId: string, reason?: string): void;
  /** Push an arbitrary execution report (unknown orders, duplicates, illegal moves). */
  emit(report: ExecutionReport): void;
  /** Push a price. */
  tick(symbol: string, price: Decimal): void;
  /** Set the connection status pushed on connection$. */
  setConnection(status: Partial<ConnectionStatus>): void;
  /** Number of start calls that ran (not counting idempotent repeats). */
  readonly starts: number;
}

export type TestVenue = VenuePlugin & TestVenueControls;

/**
 * An in-process, deterministic venue for engine tests: accepts, rejects, fails or hangs on command,
 * fills and cancels when told to. A test double of a venue (not of a transport): it honours the
 * VenuePlugin contract so the engine cannot tell the difference.
 */
export function createTestVenue(options: TestVenueOptions = {}): TestVenue {
  const venue = options.venue ?? 'test';
  const symbols = options.symbols ?? ['BTC-USD', 'ETH-USD'];
  const book: TestVenueBook = options.book ?? new Map();
  const submitted: OrderRequest[] = [];
  const cancelRequests: string[] = [];
  const connection = new BehaviorSubject<ConnectionStatus>({ state: 'DISCONNECTED', reconnectCount: 0 });
  const executions = new Subject<ExecutionReport>();
  const marketData = new Subject<MarketTick>();
  let behavior: SubmitBehavior = { kind: 'accept' };
  let manualCancel = false;
  let ctx: PluginContext | undefined;
  let running = false;
  let stopped = false;
  let starts = 0;
  let nextId = 1;
  let nextFill = 1;
  const hung: (() => void)[] = [];
  const now = () => ctx?.clock.now() ?? Date.now();

  const report = (id: string) => {
    const r = book.get(id);
    if (!r) throw new VenueError('NOT_FOUND', `test venue: no order ${id}`);
    return r;
  };
  const toReport = (r: VenueOrderReport & { fills: Fill[] }): VenueOrderReport => {
    const { fills: _fills, ...rest } = r;
    return { ...rest };
  };
  const take = (order: OrderRequest) => {
    const existing = book.get(order.clientOrderId);
    if (existing) return existing;
    const r = {
      clientOrderId: order.clientOrderId,
      venueOrderId: `${venue}-${nextId++}`,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      timeInForce: order.timeInForce,
      quantity: order.quantity,
      ...(order.price !== undefined ? { price: order.price } : {}),
      filledQuantity: ZERO,
      status: 'NEW' as OrderStatus,
      updatedAt: now(),
      fills: [] as Fill[],
    };
    book.set(order.clientOrderId, r);
    return r;
  };

  const plugin: TestVenue = {
    name: `venue:${venue}`,
    venue,
    connection$: connection.asObservable(),
    executions$: executions.asObservable(),
    marketData$: marketData.asObservable(),
    connectionStatus: () => connection.getValue(),

    async start(c) {
      if (running || stopped) return;
      ctx = c;
      running = true;
      starts++;
      connection.next({ ...connection.getValue(), state: 'CONNECTED', lastConnectedAt: now() });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      running = false;
      connection.next({ ...connection.getValue(), state: 'DISCONNECTED' });
      connection.complete();
      executions.complete();
      marketData.complete();
    },

    async instruments(): Promise<InstrumentSpec[]> {
      return symbols.map((symbol) => ({
        symbol,
        quantityStep: '0.0001',
        tickSize: '0.01',
        minQuantity: '0.0001',
      }));
    },

    async submitOrder(order) {
      await options.onSubmit?.(order);
      submitted.push(order);
      const b = behavior;
      switch (b.kind) {
        case 'accept': {
          const r = take(order);
          return { status: 'ACCEPTED', venueOrderId: r.venueOrderId, report: toReport(r) };
        }
        case 'reject':
          return { status: 'REJECTED', reason: b.reason, code: 'REJECTED' };
        case 'network':
          if (b.received) take(order);
          throw new VenueError('NETWORK', 'test venue: connection reset');
        case 'hang': {
          const r = take(order);
          return new Promise<SubmitResult>((resolve) => {
            hung.push(() => resolve({ status: 'ACCEPTED', venueOrderId: r.venueOrderId }));
          });
        }
      }
    },

    async cancelOrder(ref) {
      cancelRequests.push(ref.clientOrderId);
      const r = book.get(ref.clientOrderId);
      if (!r || !['NEW', 'PARTIALLY_FILLED'].includes(r.status))
        throw new VenueError('NOT_FOUND', `test venue: order ${ref.clientOrderId} unknown or final`);
      if (!manualCancel) plugin.cancel(ref.clientOrderId);
    },

    async openOrders(symbol) {
      return [...book.values()]
        .filter((r) => ['NEW', 'PARTIALLY_FILLED'].includes(r.status) && (!symbol || r.symbol === symbol))
        .map(toReport);
    },
    async orderStatus(clientOrderId) {
      const r = book.get(clientOrderId);
      return r ? toReport(r) : undefined;
    },
    async recentFills(sinceMs, symbol) {
      return [...book.values()]
        .filter((r) => !symbol || r.symbol === symbol)
        .flatMap((r) =>
          r.fills.map((f) => ({ ...f, clientOrderId: r.clientOrderId, venueOrderId: r.venueOrderId })),
        )
        .filter((f) => f.timestamp >= sinceMs)
        .sort((a, b) => a.timestamp - b.timestamp);
    },

    get book() {
      return book;
    },
    submitted,
    cancelRequests,
    get starts() {
      return starts;
    },
    setSubmitBehavior(b) {
      behavior = b;
    },
    releaseHung() {
      for (const answer of hung.splice(0)) answer();
    },
    setManualCancel(manual) {
      manualCancel = manual;
    },
    fill(clientOrderId, quantity, price, fillId) {
      const r = report(clientOrderId);
      const fill: Fill = { fillId: fillId ?? `${venue}-f${nextFill++}`, quantity, price, timestamp: now() };
      const filled = add(r.filledQuantity, quantity);
      const notional = add(mul(r.averageFillPrice ?? ZERO, r.filledQuantity), mul(price, quantity));
      r.filledQuantity = filled;
      r.averageFillPrice = div(notional, filled);
      r.fills.push(fill);
      if (r.status === 'NEW' || r.status === 'PARTIALLY_FILLED')
        r.status = cmp(sub(r.quantity, filled), ZERO) <= 0 ? 'FILLED' : 'PARTIALLY_FILLED';
      r.updatedAt = fill.timestamp;
      executions.next({
        kind: 'FILL',
        clientOrderId,
        venueOrderId: r.venueOrderId,
        fill,
        ts: fill.timestamp,
      });
      return fill;
    },
    cancel(clientOrderId, reason) {
      const r = report(clientOrderId);
      r.status = 'CANCELED';
      r.updatedAt = now();
      executions.next({
        kind: 'CANCELED',
        clientOrderId,
        venueOrderId: r.venueOrderId,
        ts: r.updatedAt,
        ...(reason ? { reason } : {}),
      });
    },
    emit(r) {
      executions.next(r);
    },
    tick(symbol, price) {
      marketData.next({ symbol, price, ts: now() });
    },
    setConnection(status) {
      connection.next({ ...connection.getValue(), ...status });
    },
  };
  return plugin;
}
