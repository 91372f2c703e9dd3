import { describe, expect, it } from 'vitest';
import { createEventBus, type EngineEvent, type VenueTick } from './event-bus';

describe('createEventBus', () => {
  it('delivers to subscribers, exposes no Subject, completes every stream once', () => {
    const bus = createEventBus();
    const ticks: VenueTick[] = [];
    const events: EngineEvent[] = [];
    let completed = 0;
    bus.marketData$.subscribe({ next: (t) => ticks.push(t), complete: () => completed++ });
    bus.orderEvents$.subscribe({ next: (e) => events.push(e), complete: () => completed++ });
    bus.executions$.subscribe({ complete: () => completed++ });
    bus.connections$.subscribe({ complete: () => completed++ });
    expect('next' in bus.marketData$).toBe(false);

    bus.publishMarketData({ venue: 'sim', symbol: 'BTC-USD', price: '1', ts: 1 });
    const ev = { seq: 1, event: { type: 'ORDER_EXPIRED', clientOrderId: 'x', ts: 1 } } as EngineEvent;
    bus.publishOrderEvent(ev);
    expect(ticks).toEqual([{ venue: 'sim', symbol: 'BTC-USD', price: '1', ts: 1 }]);
    expect(events).toEqual([ev]);

    bus.complete();
    bus.complete();
    expect(completed).toBe(4);
    bus.publishMarketData({ venue: 'sim', symbol: 'BTC-USD', price: '2', ts: 2 });
    expect(ticks).toHaveLength(1);
  });
});
