import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen } from '@solidjs/testing-library';
import { renderWithApp } from '../../testing/render-app';
import type { OrderDetail } from '../../graphql/operations';
import { OrderDetailView } from './order-detail';

const order = (status: string, extra: Partial<OrderDetail> = {}): OrderDetail => ({
  clientOrderId: 'ord-1',
  venue: 'sim',
  symbol: 'BTC-USD',
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.5',
  price: '27000',
  status,
  filledQuantity: '0',
  averageFillPrice: null,
  rejectReason: null,
  venueOrderId: 'sim-1',
  createdAt: 1,
  updatedAt: 2,
  events: [
    { seq: 1, type: 'ORDER_SUBMITTED', ts: 1, source: 'engine', reason: null, fill: null },
    { seq: 2, type: 'ORDER_ACCEPTED', ts: 2, source: 'venue', reason: null, fill: null },
  ],
  ...extra,
});

describe('OrderDetailView', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => cleanup());

  it('shows the order and its event history, and follows its events', async () => {
    let status = 'NEW';
    const t = renderWithApp(() => <OrderDetailView clientOrderId="ord-1" />, {
      Order: () => ({ order: order(status) }),
    });
    expect(await screen.findByText('New')).toBeTruthy();
    expect(screen.getByRole('list', { name: 'Order events' }).children).toHaveLength(2);
    expect(t.variables.get('OrderEventsStream')).toEqual({ clientOrderId: 'ord-1' });

    status = 'FILLED';
    t.push('OrderEventsStream', {
      orderEvents: { seq: 3, type: 'ORDER_FILLED', clientOrderId: 'ord-1', order: order('FILLED') },
    });
    expect(await screen.findByText('Filled', { selector: '.chip' })).toBeTruthy();
  });

  it('cancels only after confirmation, and shows why the server refused', async () => {
    const t = renderWithApp(() => <OrderDetailView clientOrderId="ord-1" />, {
      Order: { order: order('NEW') },
      CancelOrder: {
        cancelOrder: {
          __typename: 'NotAllowedError',
          code: 'NOT_ALLOWED',
          message: 'order ord-1 is already FILLED',
        },
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel order' }));
    expect(screen.getByRole('alertdialog').textContent).toContain('Cancel BUY 0.5 BTC-USD?');
    fireEvent.click(screen.getByRole('button', { name: 'Keep order' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(t.executed).not.toContain('CancelOrder');

    fireEvent.click(screen.getByRole('button', { name: 'Cancel order' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel it' }));
    expect((await screen.findByRole('alert')).textContent).toBe('order ord-1 is already FILLED');
    expect(t.variables.get('CancelOrder')).toEqual({ clientOrderId: 'ord-1' });
  });

  it('offers no cancel for a finished order', async () => {
    renderWithApp(() => <OrderDetailView clientOrderId="ord-1" />, { Order: { order: order('FILLED') } });
    expect(await screen.findByText('Filled', { selector: '.chip' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel order' })).toBeNull();
  });
});
