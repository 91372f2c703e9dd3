import {
  systemClock,
  VenueError,
  type ConnectionStatus,
  type ExecutionReport,
  type OrderRequest,
} from '@veloz/engine';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSimExchange, type SpawnedSimExchange } from '../testing/spawn-sim-exchange';
import { createSimVenue } from './sim-venue';

async function waitFor(what: string, predicate: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('venue:sim against a faulty sim-exchange process', () => {
  let exchange: SpawnedSimExchange;
  let venue: ReturnType<typeof createSimVenue>;
  const reports: ExecutionReport[] = [];
  const statuses: ConnectionStatus[] = [];
  const subs: Subscription[] = [];
  let n = 0;
  const order = (patch: Partial<OrderRequest> = {}): OrderRequest => ({
    clientOrderId: `fault-${Date.now().toString(36)}-${++n}`,
    account: 'faults',
    venue: 'sim',
    symbol: 'ETH-USD',
    side: 'BUY',
    type: 'LIMIT',
    timeInForce: 'GTC',
    quantity: '0.5',
    price: '1000',
    ...patch,
  });
  const reportsOf = (id: string) => reports.filter((r) => r.clientOrderId === id).map((r) => r.kind);

  beforeAll(async () => {
    // A separate admin port keeps the admin API reachable while the trading port refuses connections.
    exchange = await spawnSimExchange(['--tick-ms', '0', '--admin-port', '0']);
    venue = createSimVenue({
      url: exchange.url,
      backoff: { initialMs: 50, maxMs: 300, multiplier: 2, jitter: 'full' },
    });
    subs.push(
      venue.executions$.subscribe((r) => reports.push(r)),
      venue.connection$.subscribe((s) => statuses.push(s)),
    );
    await venue.start({ clock: systemClock, logger: pino({ level: 'silent' }), account: 'faults' });
  });

  afterAll(async () => {
    for (const s of subs) s.unsubscribe();
    await venue?.stop();
    await exchange?.kill();
  });

  it('goes RECONNECTING and back to CONNECTED with reconnectCount + 1 when the exchange drops its connections', async () => {
    expect(venue.connectionStatus()).toMatchObject({ state: 'CONNECTED', reconnectCount: 0 });
    const from = statuses.length;
    const dropped = await exchange.admin<{ websockets: number }>('drop-connections');
    expect(dropped.websockets).toBe(1);
    await waitFor(
      'reconnect',
      () => venue.connectionStatus().state === 'CONNECTED' && statuses.length > from + 1,
    );
    const states = statuses.slice(from).map((s) => s.state);
    // Failed attempts (if any) re-emit RECONNECTING with their error; the path is RECONNECTING+ then CONNECTED.
    expect(states[0]).toBe('RECONNECTING');
    expect(states.at(-1)).toBe('CONNECTED');
    expect(states.slice(0, -1).every((s) => s === 'RECONNECTING')).toBe(true);
    expect(venue.connectionStatus().reconnectCount).toBe(1);
    expect((await exchange.admin<{ websockets: number }>('stats')).websockets).toBe(1);
  });

  it('delivers the updates pushed while it was disconnected once it reconnects', async () => {
    const o = order();
    expect((await venue.submitOrder(o)).status).toBe('ACCEPTED');
    await waitFor('ACCEPTED', () => reportsOf(o.clientOrderId).includes('ACCEPTED'));
    const before = venue.connectionStatus().reconnectCount;
    await exchange.admin('refuse-connections', { seconds: 2 });
    await waitFor('RECONNECTING', () => venue.connectionStatus().state === 'RECONNECTING');
    await exchange.admin('fill', { clientOrderId: o.clientOrderId, quantity: '0.2' });
    await exchange.admin('cancel', { clientOrderId: o.clientOrderId });
    // Both happened while the plugin was cut off: nothing could reach it yet.
    expect(venue.connectionStatus().state).toBe('RECONNECTING');
    expect(reportsOf(o.clientOrderId)).toEqual(['ACCEPTED']);
    await waitFor('reconnect', () => venue.connectionStatus().state === 'CONNECTED');
    expect(venue.connectionStatus().reconnectCount).toBe(before + 1);
    await waitFor('missed reports', () => reportsOf(o.clientOrderId).length === 3);
    expect(reportsOf(o.clientOrderId)).toEqual(['ACCEPTED', 'FILL', 'CANCELED']);
  });

  it('does not see a silent (unpushed) venue-side fill, but order status does', async () => {
    const o = order();
    await venue.submitOrder(o);
    await exchange.admin('fill', { clientOrderId: o.clientOrderId, push: false });
    // A later pushed report proves the channel is live and nothing for `o` came through it.
    const marker = order();
    await venue.submitOrder(marker);
    await waitFor('marker ACCEPTED', () => reportsOf(marker.clientOrderId).includes('ACCEPTED'));
    expect(reportsOf(o.clientOrderId)).toEqual(['ACCEPTED']);
    expect(await venue.orderStatus(o.clientOrderId, o.symbol)).toMatchObject({
      status: 'FILLED',
      filledQuantity: '0.5',
    });
  });

  it('maps an injected 503 to VenueError UNAVAILABLE (outcome unknown), then works again', async () => {
    await exchange.admin('fail-next', { count: 1 });
    const err = await venue.submitOrder(order()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect((err as VenueError).venueCode).toBe('UNAVAILABLE');
    expect((err as VenueError).outcomeUnknown).toBe(true);
    expect((await venue.submitOrder(order())).status).toBe('ACCEPTED');
  });

  it('returns a forced rejection and INSUFFICIENT_FUNDS as REJECTED results with their code', async () => {
    await exchange.admin('reject-next', { code: 'INSUFFICIENT_FUNDS', reason: 'no money' });
    expect(await venue.submitOrder(order())).toEqual({
      status: 'REJECTED',
      code: 'INSUFFICIENT_FUNDS',
      reason: 'no money',
    });
    expect(await venue.submitOrder(order({ symbol: 'NOPE-USD' }))).toMatchObject({
      status: 'REJECTED',
      code: 'UNKNOWN_SYMBOL',
    });
  });

  it('is idempotent by clientOrderId: a resend returns the existing order', async () => {
    const o = order();
    const first = await venue.submitOrder(o);
    const again = await venue.submitOrder({ ...o, quantity: '3' });
    expect(first.status === 'ACCEPTED' && again.status === 'ACCEPTED').toBe(true);
    if (first.status === 'ACCEPTED' && again.status === 'ACCEPTED') {
      expect(again.venueOrderId).toBe(first.venueOrderId);
      expect(again.report?.quantity).toBe('0.5');
    }
  });

  it('lists orphan orders the client never sent, and 10,000 bulk orders', async () => {
    const orphan = await exchange.admin<{ order: { clientOrderId: string } }>('orphan', {
      symbol: 'ETH-USD',
      side: 'SELL',
      quantity: '1',
      clientOrderId: 'orphan-x',
    });
    expect(orphan.order.clientOrderId).toBe('orphan-x');
    await waitFor('orphan ACCEPTED pushed', () => reportsOf('orphan-x').includes('ACCEPTED'));
    const created = await exchange.admin<{ created: number }>('bulk-orders', {
      symbol: 'BTC-USD',
      count: 10_000,
      prefix: 'bulk',
    });
    expect(created.created).toBe(10_000);
    const t0 = performance.now();
    const open = await venue.openOrders('BTC-USD');
    const ms = performance.now() - t0;
    expect(open.filter((o) => o.clientOrderId.startsWith('bulk-'))).toHaveLength(10_000);
    expect((await venue.openOrders()).some((o) => o.clientOrderId === 'orphan-x')).toBe(true);
    console.log(`openOrders() of 10,000 orders over HTTP: ${ms.toFixed(0)} ms`);
  });

  it('answers VenueError NETWORK when the exchange process is killed, and goes RECONNECTING', async () => {
    await exchange.kill('SIGKILL');
    const err = await venue.openOrders().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VenueError);
    expect((err as VenueError).venueCode).toBe('NETWORK');
    await waitFor('RECONNECTING', () => venue.connectionStatus().state === 'RECONNECTING');
  });
});
