import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../testing/memory-storage';
import { createTestVenue } from '../testing/test-venue';
import { createEngine } from './engine';
import { ACCOUNT, engines, order, setup, stopEnginesAfterEach, waitFor } from './engine-test-kit';
import type { EngineState } from './types';

stopEnginesAfterEach();

describe('engine lifecycle', () => {
  it('refuses orders before READY, walks the states, stops idempotently', async () => {
    const storage = createMemoryStorage();
    const venue = createTestVenue();
    const engine = createEngine({ account: ACCOUNT }, { storage, venues: [venue] });
    engines.push(engine);
    const states: EngineState[] = [];
    engine.state$.subscribe((s) => states.push(s));
    expect(await engine.placeOrder(order('early'))).toMatchObject({ ok: false, code: 'ENGINE_NOT_READY' });
    await engine.start();
    expect(engine.start()).toBe(engine.start());
    expect(engine.status()).toMatchObject({
      state: 'READY',
      account: ACCOUNT,
      venues: { test: { state: 'CONNECTED', reconnectCount: 0 } },
      wal: { lastSeq: 0 },
      openOrders: 0,
    });
    expect(engine.status().recovery?.entriesApplied).toBe(0);
    let completed = false;
    engine.events$.subscribe({ complete: () => (completed = true) });
    const stop = engine.stop();
    expect(engine.stop()).toBe(stop);
    await stop;
    expect(states).toEqual([
      'STOPPED',
      'STARTING',
      'RECOVERING',
      'RESOLVING',
      'READY',
      'STOPPING',
      'STOPPED',
    ]);
    expect(completed).toBe(true);
    expect(storage.running).toBe(false);
    // lease released: another engine can take the account
    await expect(storage.wal.acquireLease('next')).resolves.toMatchObject({ epoch: 2 });
  });

  it('fails start when another writer holds the lease, and tears down', async () => {
    const storage = createMemoryStorage();
    await storage.wal.acquireLease('other');
    const venue = createTestVenue();
    const engine = createEngine({ account: ACCOUNT }, { storage, venues: [venue] });
    await expect(engine.start()).rejects.toMatchObject({ code: 'WAL_FENCED' });
    expect(engine.state()).toBe('STOPPED');
    expect(venue.starts).toBe(0);
  });

  it('rejects a bad config naming the field', () => {
    expect(() =>
      createEngine({ account: 'bad account!' }, { storage: createMemoryStorage(), venues: [] }),
    ).toThrow(/account/);
    expect(() =>
      createEngine(
        { account: 'a' },
        { storage: createMemoryStorage(), venues: [], risk: { maxOpenOrders: -1 } },
      ),
    ).toThrow(/maxOpenOrders/);
  });
  it('start rejects and stops when the lease is lost during recovery', async () => {
    const storage = createMemoryStorage();
    const list = storage.snapshots.list;
    storage.snapshots.list = async () => {
      storage.expireLease();
      return list();
    };
    const venue = createTestVenue();
    const engine = createEngine({ account: ACCOUNT }, { storage, venues: [venue] });
    await expect(engine.start()).rejects.toMatchObject({ code: 'WAL_FENCED' });
    expect(engine.state()).toBe('STOPPED');
    expect(venue.starts).toBe(0);
  });

  it('stop during start wins: start rejects, nothing is left running', async () => {
    const storage = createMemoryStorage();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const list = storage.snapshots.list;
    storage.snapshots.list = async () => {
      await gate;
      return list();
    };
    const venue = createTestVenue();
    const engine = createEngine({ account: ACCOUNT }, { storage, venues: [venue] });
    const starting = engine.start();
    await new Promise((r) => setImmediate(r));
    const stopping = engine.stop();
    release();
    await expect(starting).rejects.toMatchObject({ code: 'ENGINE_STOPPED' });
    await stopping;
    expect(engine.state()).toBe('STOPPED');
    expect(venue.starts).toBe(0);
    expect(storage.running).toBe(false);
  });

  it('reads instruments again on reconnect when they were unavailable at start', async () => {
    const storage = createMemoryStorage();
    const venue = createTestVenue();
    const instruments = venue.instruments;
    let calls = 0;
    let second: Promise<unknown> | undefined;
    venue.instruments = () => {
      if (++calls === 1) return Promise.reject(new Error('not connected yet'));
      const p = instruments();
      second = p;
      return p;
    };
    const engine = createEngine({ account: ACCOUNT }, { storage, venues: [venue] });
    engines.push(engine);
    await engine.start();
    venue.tick('DOGE-USD', '1');
    // symbol check off: the order reaches the venue
    expect((await engine.placeOrder(order('i1', { symbol: 'DOGE-USD', price: '1' }))).ok).toBe(true);
    venue.setConnection({ state: 'RECONNECTING' });
    venue.setConnection({ state: 'CONNECTED' });
    expect(calls).toBe(2);
    await second;
    await new Promise((r) => setImmediate(r)); // let the engine's continuation store the symbols
    const r = await engine.placeOrder(order('i2', { symbol: 'DOGE-USD', price: '1' }));
    expect(r).toMatchObject({ ok: false, code: 'UNKNOWN_SYMBOL' });
  });
});

describe('fencing', () => {
  it('a lost lease puts the engine in FENCED and placement stops', async () => {
    const s = await setup();
    s.storage.expireLease();
    expect(s.engine.state()).toBe('FENCED');
    const r = await s.engine.placeOrder(order('z1'));
    expect(r).toMatchObject({ ok: false, code: 'FENCED' });
    expect(await s.engine.cancelOrder('z1')).toMatchObject({ ok: false, code: 'FENCED' });
    expect(s.storage.entries()).toHaveLength(0);
  });

  it('a silent takeover is caught by the fenced append', async () => {
    const s = await setup();
    s.storage.expireLease({ silent: true });
    const newer = await s.storage.wal.acquireLease('standby');
    const r = await s.engine.placeOrder(order('z2'));
    expect(r).toMatchObject({ ok: false, code: 'FENCED' });
    expect(s.engine.state()).toBe('FENCED');
    expect(s.engine.getOrder('z2')).toBeUndefined();
    expect(s.venue.submitted).toHaveLength(0);
    await newer.release();
  });
});

describe('restart', () => {
  it('resolves orders left PENDING_NEW against the venue before READY', async () => {
    const storage = createMemoryStorage();
    const first = await setup({ storage });
    first.venue.setSubmitBehavior({ kind: 'network', received: false });
    await first.engine.placeOrder(order('never'));
    first.venue.setSubmitBehavior({ kind: 'network', received: true });
    await first.engine.placeOrder(order('seen'));
    await first.engine.placeOrder(order('filled', { quantity: '0.3' }));
    await first.engine.placeOrder(order('gone'));
    expect(first.engine.orders().every((o) => o.status === 'PENDING_NEW')).toBe(true);
    await first.engine.stop();
    // While the engine was down, the venue filled one order and canceled another.
    first.venue.fill('filled', '0.1', '99');
    first.venue.fill('filled', '0.2', '102');
    first.venue.cancel('gone');

    const venue2 = createTestVenue({ book: first.venue.book });
    const second = createEngine({ account: ACCOUNT }, { storage, venues: [venue2] });
    engines.push(second);
    await second.start();
    expect(second.status().recovery?.entriesApplied).toBe(4);
    expect(second.getOrder('never')).toMatchObject({
      status: 'REJECTED',
      rejectReason: 'not received by venue',
    });
    expect(second.getOrder('seen')).toMatchObject({ status: 'NEW', venueOrderId: 'test-1' });
    expect(second.getOrder('filled')).toMatchObject({
      status: 'FILLED',
      filledQuantity: '0.3',
      averageFillPrice: '101',
    });
    expect(second.getOrder('filled')!.fills.map((f) => f.fillId)).toEqual(['test-f1', 'test-f2']);
    expect(second.getOrder('gone')).toMatchObject({ status: 'CANCELED' });
    expect(second.stats().pendingResolved).toBe(4);
    expect(storage.entries().at(-1)!.epoch).toBe(2);
  });

  it('an order the venue cannot answer for at start stays PENDING_NEW until the venue reconnects', async () => {
    const storage = createMemoryStorage();
    const first = await setup({ storage });
    first.venue.setSubmitBehavior({ kind: 'network', received: true });
    await first.engine.placeOrder(order('p1'));
    await first.engine.stop();

    const venue2 = createTestVenue({ book: first.venue.book });
    const orderStatus = venue2.orderStatus;
    let down = true;
    venue2.orderStatus = async (id, symbol) => {
      if (down) throw new Error('venue unreachable');
      return orderStatus(id, symbol);
    };
    const second = createEngine({ account: ACCOUNT }, { storage, venues: [venue2] });
    engines.push(second);
    await second.start();
    expect(second.state()).toBe('READY');
    expect(second.getOrder('p1')?.status).toBe('PENDING_NEW');
    down = false;
    venue2.setConnection({ state: 'RECONNECTING' });
    venue2.setConnection({ state: 'CONNECTED', reconnectCount: 1 });
    await waitFor(() => second.getOrder('p1')?.status === 'NEW', 'resolved after reconnect');
    expect(second.stats().pendingResolved).toBe(1);
  });
});
