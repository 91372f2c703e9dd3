import Big from 'big.js';
import pino from 'pino';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, cmp, isDecimal, isPositive, ZERO, type Decimal } from '../domain/decimal';
import type { OrderRequest } from '../domain/order';
import { systemClock, type PluginContext } from '../plugins/context';
import {
  VenueError,
  type ConnectionStatus,
  type ExecutionReport,
  type InstrumentSpec,
  type VenuePlugin,
} from '../plugins/venue';

/**
 * What a conformance run needs to steer the venue behind the plugin (a simulator, a test double of an
 * exchange). Kept small so any venue's double can provide it.
 */
export interface VenueTestControl {
  /** Make `price` the venue's current price of `symbol` (orders it crosses may fill). */
  setPrice(symbol: string, price: Decimal): Promise<void>;
  /** Kill every connection the plugin has to the venue (WebSockets and HTTP keep-alive sockets). */
  dropConnections(): Promise<void>;
  /** Optional: fill an open order at the venue (whole remaining quantity when `quantity` is absent). */
  fillOrder?(clientOrderId: string, quantity?: Decimal): Promise<void>;
}

export interface VenueConformanceOptions {
  /** Suite name, e.g. "venue:sim over the sim-exchange process". */
  name: string;
  /** Start the venue's backend and create the plugin (not started). Called once for the suite. */
  setup: () => Promise<{ venue: VenuePlugin; control: VenueTestControl; teardown: () => Promise<void> }>;
  /** Symbol to trade (default: the first instrument). */
  symbol?: string;
  /** Price the suite sets before trading (default 100000 ticks). Orders are placed at ±20 % of it. */
  referencePrice?: Decimal;
  /** Optional capabilities the control provides; a capability not declared is asserted absent. */
  capabilities?: { fillOrder?: boolean };
  /** Build an order the venue must refuse (default: the resting order with a price off the tick). */
  invalidOrder?: (valid: OrderRequest, instrument: InstrumentSpec) => OrderRequest;
  /** Deadline of every wait for an asynchronous report, ms (default 10 000). */
  waitMs?: number;
}

async function waitFor(what: string, predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function floorTo(value: Big, step: Decimal): Decimal {
  return value.div(step).round(0, Big.roundDown).times(step).toFixed();
}

/**
 * The venue plugin contract as a vitest suite. Every venue plugin runs it against a real (or simulated)
 * backend: `runVenueConformance({ name, setup })` inside a test file. Tests run in order on one plugin
 * instance, the last one stops it.
 */
export function runVenueConformance(options: VenueConformanceOptions): void {
  const waitMs = options.waitMs ?? 10_000;
  const run = `c${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  let seq = 0;
  const nextId = () => `${run}-${++seq}`;

  describe(`venue conformance: ${options.name}`, () => {
    let venue: VenuePlugin;
    let control: VenueTestControl;
    let teardown: (() => Promise<void>) | undefined;
    let instrument: InstrumentSpec;
    let price: Decimal;
    let quantity: Decimal;
    const reports: ExecutionReport[] = [];
    const statuses: ConnectionStatus[] = [];
    const subs: Subscription[] = [];
    let executionsCompleted = false;
    let connectionCompleted = false;
    let restingId = '';

    const ctx: PluginContext = {
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      account: 'conformance',
    };
    const order = (patch: Partial<OrderRequest> = {}): OrderRequest => ({
      clientOrderId: nextId(),
      account: 'conformance',
      venue: venue.venue,
      symbol: instrument.symbol,
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity,
      price: floorTo(new Big(price).times('0.8'), instrument.tickSize),
      ...patch,
    });
    const reportsOf = (id: string) => reports.filter((r) => r.clientOrderId === id);
    const filledOf = (id: string) =>
      reportsOf(id).reduce((sum, r) => (r.kind === 'FILL' ? add(sum, r.fill.quantity) : sum), ZERO);

    beforeAll(async () => {
      ({ venue, control, teardown } = await options.setup());
      subs.push(
        venue.executions$.subscribe({
          next: (r) => reports.push(r),
          complete: () => (executionsCompleted = true),
        }),
        venue.connection$.subscribe({
          next: (s) => statuses.push(s),
          complete: () => (connectionCompleted = true),
        }),
      );
    });

    afterAll(async () => {
      for (const s of subs) s.unsubscribe();
      await venue?.stop();
      await teardown?.();
    });

    it('is named "venue:<id>" and connects on start', async () => {
      expect(venue.name).toBe(`venue:${venue.venue}`);
      await venue.start(ctx);
      await waitFor('CONNECTED', () => venue.connectionStatus().state === 'CONNECTED', waitMs);
      expect(statuses.at(-1)?.state).toBe('CONNECTED');
      expect(venue.connectionStatus().reconnectCount).toBe(0);
    });

    it('lists instruments with their trading rules', async () => {
      const list = await venue.instruments();
      expect(list.length).toBeGreaterThan(0);
      for (const i of list) {
        for (const d of [i.tickSize, i.quantityStep, i.minQuantity]) {
          expect(isDecimal(d)).toBe(true);
          expect(isPositive(d)).toBe(true);
        }
      }
      const found = options.symbol ? list.find((i) => i.symbol === options.symbol) : list[0];
      expect(found, `instrument ${options.symbol ?? '(first)'}`).toBeDefined();
      instrument = found!;
      price =
        options.referencePrice ?? floorTo(new Big(instrument.tickSize).times(100_000), instrument.tickSize);
      let q = new Big(instrument.minQuantity).times(10);
      while (instrument.minNotional && q.times(price).times('0.8').lt(instrument.minNotional))
        q = q.times(10);
      quantity = floorTo(q, instrument.quantityStep);
      await control.setPrice(instrument.symbol, price);
    });

    it('accepts a resting LIMIT order: ACCEPTED report, open orders, order status', async () => {
      const o = order();
      restingId = o.clientOrderId;
      const result = await venue.submitOrder(o);
      expect(result.status).toBe('ACCEPTED');
      if (result.status !== 'ACCEPTED') return;
      expect(result.venueOrderId).not.toBe('');
      await waitFor(
        'ACCEPTED report',
        () => reportsOf(o.clientOrderId).some((r) => r.kind === 'ACCEPTED'),
        waitMs,
      );
      const open = await venue.openOrders(instrument.symbol);
      expect(open.map((r) => r.clientOrderId)).toContain(o.clientOrderId);
      expect((await venue.openOrders()).map((r) => r.clientOrderId)).toContain(o.clientOrderId);
      const status = await venue.orderStatus(o.clientOrderId, o.symbol);
      expect(status).toMatchObject({
        clientOrderId: o.clientOrderId,
        venueOrderId: result.venueOrderId,
        status: 'NEW',
      });
      expect(cmp(status!.quantity, o.quantity)).toBe(0);
      expect(cmp(status!.filledQuantity, ZERO)).toBe(0);
    });

    it('fills a crossing order; FILL quantities sum exactly to the order quantity', async () => {
      const since = Date.now() - 1000;
      const o = order({ price: floorTo(new Big(price).times('1.2'), instrument.tickSize) });
      const result = await venue.submitOrder(o);
      expect(result.status).toBe('ACCEPTED');
      await waitFor(
        'fills summing to the quantity',
        () => cmp(filledOf(o.clientOrderId), o.quantity) === 0,
        waitMs,
      );
      const fills = reportsOf(o.clientOrderId).flatMap((r) => (r.kind === 'FILL' ? [r.fill] : []));
      expect(new Set(fills.map((f) => f.fillId)).size).toBe(fills.length);
      for (const f of fills) expect(isPositive(f.quantity)).toBe(true);
      const status = await venue.orderStatus(o.clientOrderId, o.symbol);
      expect(status?.status).toBe('FILLED');
      expect(cmp(status!.filledQuantity, o.quantity)).toBe(0);
      expect((await venue.openOrders(instrument.symbol)).map((r) => r.clientOrderId)).not.toContain(
        o.clientOrderId,
      );
      const recent = await venue.recentFills(since, instrument.symbol);
      expect(
        recent
          .filter((f) => f.clientOrderId === o.clientOrderId)
          .map((f) => f.fillId)
          .sort(),
      ).toEqual(fills.map((f) => f.fillId).sort());
    });

    it('cancels an open order: CANCELED report, gone from open orders', async () => {
      await venue.cancelOrder({ clientOrderId: restingId, symbol: instrument.symbol });
      await waitFor('CANCELED report', () => reportsOf(restingId).some((r) => r.kind === 'CANCELED'), waitMs);
      expect((await venue.openOrders(instrument.symbol)).map((r) => r.clientOrderId)).not.toContain(
        restingId,
      );
      expect((await venue.orderStatus(restingId, instrument.symbol))?.status).toBe('CANCELED');
    });

    it('refuses to cancel an unknown or final order with VenueError NOT_FOUND', async () => {
      for (const clientOrderId of [nextId(), restingId]) {
        const err = await venue.cancelOrder({ clientOrderId, symbol: instrument.symbol }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(VenueError);
        expect((err as VenueError).venueCode).toBe('NOT_FOUND');
        expect((err as VenueError).outcomeUnknown).toBe(false);
      }
    });

    it('answers undefined for the status of an order it never saw', async () => {
      expect(await venue.orderStatus(nextId(), instrument.symbol)).toBeUndefined();
    });

    it('rejects an invalid order with a REJECTED result and a code', async () => {
      const valid = order();
      const invalid = options.invalidOrder
        ? options.invalidOrder(valid, instrument)
        : { ...valid, price: new Big(valid.price!).plus(new Big(instrument.tickSize).div(2)).toFixed() };
      const result = await venue.submitOrder(invalid);
      expect(result.status).toBe('REJECTED');
      if (result.status === 'REJECTED') {
        expect(result.code).toMatch(/^[A-Z_]+$/);
        expect(result.reason.length).toBeGreaterThan(0);
      }
      expect(await venue.orderStatus(invalid.clientOrderId, instrument.symbol)).toBeUndefined();
    });

    if (options.capabilities?.fillOrder) {
      it('reports venue-side fills (partial, then the rest) that sum exactly to the quantity', async () => {
        const o = order();
        expect((await venue.submitOrder(o)).status).toBe('ACCEPTED');
        const half = floorTo(new Big(o.quantity).div(2), instrument.quantityStep);
        await control.fillOrder!(o.clientOrderId, half);
        await waitFor('partial fill', () => cmp(filledOf(o.clientOrderId), half) === 0, waitMs);
        expect((await venue.orderStatus(o.clientOrderId, o.symbol))?.status).toBe('PARTIALLY_FILLED');
        await control.fillOrder!(o.clientOrderId);
        await waitFor('complete fill', () => cmp(filledOf(o.clientOrderId), o.quantity) === 0, waitMs);
        expect((await venue.orderStatus(o.clientOrderId, o.symbol))?.status).toBe('FILLED');
      });
    } else {
      it('declares the fillOrder capability absent', () => {
        expect(control.fillOrder).toBeUndefined();
      });
    }

    it('reconnects after the venue drops every connection: RECONNECTING, then CONNECTED with reconnectCount + 1', async () => {
      const before = venue.connectionStatus();
      expect(before.state).toBe('CONNECTED');
      const from = statuses.length;
      await control.dropConnections();
      await waitFor(
        'RECONNECTING then CONNECTED',
        () => {
          const seen = statuses.slice(from);
          const r = seen.findIndex((s) => s.state === 'RECONNECTING');
          return r >= 0 && seen.slice(r).some((s) => s.state === 'CONNECTED');
        },
        waitMs,
      );
      expect(venue.connectionStatus()).toMatchObject({
        state: 'CONNECTED',
        reconnectCount: before.reconnectCount + 1,
      });
    });

    it('keeps delivering execution reports after a reconnect', async () => {
      const o = order();
      expect((await venue.submitOrder(o)).status).toBe('ACCEPTED');
      await venue.cancelOrder({ clientOrderId: o.clientOrderId, symbol: o.symbol });
      await waitFor(
        'ACCEPTED and CANCELED after reconnect',
        () => ['ACCEPTED', 'CANCELED'].every((k) => reportsOf(o.clientOrderId).some((r) => r.kind === k)),
        waitMs,
      );
    });

    it('stops idempotently, completing connection$ and executions$', async () => {
      await venue.stop();
      await venue.stop();
      expect(connectionCompleted).toBe(true);
      expect(executionsCompleted).toBe(true);
      expect(venue.connectionStatus().state).toBe('DISCONNECTED');
    });
  });
}
