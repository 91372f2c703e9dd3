import type { VenueOrderReport } from '@veloz/engine';
import { describe, expect, it } from 'vitest';
import { createExecutionTracker } from './execution-tracker';

const report = (patch: Partial<VenueOrderReport> = {}): VenueOrderReport => ({
  clientOrderId: 'c1',
  venueOrderId: 'v1',
  symbol: 'BTC/USDT',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '1',
  price: '100',
  filledQuantity: '0',
  status: 'NEW',
  updatedAt: 1,
  ...patch,
});
const fill = (fillId: string, quantity: string) => ({
  fillId,
  quantity,
  price: '100',
  timestamp: 5,
  clientOrderId: 'c1',
  venueOrderId: 'v1',
});

describe('execution tracker', () => {
  it('emits ACCEPTED once and each fill once', () => {
    const t = createExecutionTracker();
    expect(t.accepted(report(), 1).map((r) => r.kind)).toEqual(['ACCEPTED']);
    expect(t.observe(report(), 2)).toEqual([]);
    expect(t.fill(fill('f1', '0.4'), 3).map((r) => r.kind)).toEqual(['FILL']);
    expect(t.fill(fill('f1', '0.4'), 4)).toEqual([]);
    expect(t.clientOrderIdOf('v1')).toBe('c1');
  });

  it('holds a CANCELED until the fills before it were emitted', () => {
    const t = createExecutionTracker();
    t.accepted(report(), 1);
    expect(t.observe(report({ status: 'CANCELED', filledQuantity: '0.4' }), 2)).toEqual([]);
    expect(t.openOrders()).toEqual([]);
    const out = t.fill(fill('f1', '0.4'), 3);
    expect(out.map((r) => r.kind)).toEqual(['FILL', 'CANCELED']);
    expect(t.observe(report({ status: 'CANCELED', filledQuantity: '0.4' }), 4)).toEqual([]);
  });

  it('emits EXPIRED at once when nothing was filled, and nothing for FILLED', () => {
    const t = createExecutionTracker();
    t.accepted(report(), 1);
    expect(t.observe(report({ status: 'EXPIRED' }), 2)).toEqual([
      { kind: 'EXPIRED', clientOrderId: 'c1', venueOrderId: 'v1', ts: 2 },
    ]);
    const u = createExecutionTracker();
    u.accepted(report({ clientOrderId: 'c2', venueOrderId: 'v2' }), 1);
    expect(
      u.fill({ ...fill('f9', '1'), clientOrderId: 'c2', venueOrderId: 'v2' }, 2).map((r) => r.kind),
    ).toEqual(['FILL']);
    expect(
      u.observe(
        report({ clientOrderId: 'c2', venueOrderId: 'v2', status: 'FILLED', filledQuantity: '1' }),
        3,
      ),
    ).toEqual([]);
    expect(u.openOrders()).toEqual([]);
  });

  it('adopts unknown open orders at their current fills and ignores trades of unknown orders', () => {
    const t = createExecutionTracker();
    expect(t.fill(fill('f0', '0.1'), 1)).toEqual([]);
    expect(t.observe(report({ status: 'PARTIALLY_FILLED', filledQuantity: '0.5' }), 2)).toEqual([]);
    expect(t.openOrders('BTC/USDT')).toHaveLength(1);
    expect(t.openOrders('ETH/USDT')).toHaveLength(0);
    expect(t.observe(report({ status: 'CANCELED', filledQuantity: '0.5' }), 3).map((r) => r.kind)).toEqual([
      'CANCELED',
    ]);
  });
});
