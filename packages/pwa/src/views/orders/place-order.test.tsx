import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@solidjs/testing-library';
import { Provider } from '@urql/solid';
import { createTestClient } from '../../testing/test-client';
import { PlaceOrderForm } from './place-order';

function renderForm(results: Parameters<typeof createTestClient>[0] = {}) {
  const test = createTestClient(results);
  const placed: string[] = [];
  render(() => (
    <Provider value={test.client}>
      <PlaceOrderForm onPlaced={(id) => placed.push(id)} />
    </Provider>
  ));
  return { ...test, placed };
}

const type = (label: RegExp | string, value: string) =>
  fireEvent.input(screen.getByLabelText(label), { target: { value } });
const submit = () => fireEvent.click(screen.getByRole('button', { name: /Place (buy|sell) order/ }));

describe('PlaceOrderForm', () => {
  afterEach(() => cleanup());

  it('does not send an empty form and names every problem on its field', async () => {
    const t = renderForm();
    submit();
    expect(await screen.findByText('Quantity is required')).toBeTruthy();
    expect(screen.getByText('Price is required')).toBeTruthy();
    expect(screen.getByLabelText('Quantity').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Quantity').getAttribute('aria-describedby')).toBe('quantity-error');
    expect(document.activeElement).toBe(screen.getByLabelText('Quantity'));
    expect(t.executed).not.toContain('PlaceOrder');
  });

  it('rejects a bad decimal and clears the error once it is fixed', async () => {
    renderForm();
    type('Quantity', '1,5');
    type('Limit price', '100');
    submit();
    expect(await screen.findByText(/Quantity must be a plain decimal/)).toBeTruthy();
    type('Quantity', '0');
    expect(await screen.findByText('Quantity must be greater than zero')).toBeTruthy();
    type('Quantity', '1.5');
    expect(screen.queryByText(/Quantity must/)).toBeNull();
    expect(screen.getByLabelText('Quantity').getAttribute('aria-invalid')).toBeNull();
  });

  it('a market order has no price field and cannot be GTC', async () => {
    renderForm();
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'MARKET' } });
    expect(screen.queryByLabelText('Limit price')).toBeNull();
    expect((screen.getByLabelText('Time in force') as HTMLSelectElement).value).toBe('IOC');
    fireEvent.change(screen.getByLabelText('Time in force'), { target: { value: 'GTC' } });
    type('Quantity', '2');
    submit();
    expect(await screen.findByText('A market order must be IOC or FOK')).toBeTruthy();
  });

  it('sends a valid order with canonical input and reports success', async () => {
    const t = renderForm({
      PlaceOrder: (vars) => ({
        placeOrder: {
          __typename: 'PlaceOrderSuccess',
          order: { clientOrderId: (vars.input as { clientOrderId: string }).clientOrderId },
        },
      }),
    });
    type('Symbol', ' ETH-USD ');
    type('Quantity', '0.25');
    type('Limit price', '3000.5');
    fireEvent.click(screen.getByLabelText('Sell'));
    fireEvent.click(screen.getByRole('button', { name: 'Place sell order' }));
    await screen.findByRole('button', { name: 'Place buy order' }); // the form resets after success
    const input = (t.variables.get('PlaceOrder') as { input: Record<string, string> }).input;
    expect(input).toMatchObject({
      venue: 'sim',
      symbol: 'ETH-USD',
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.25',
      price: '3000.5',
    });
    expect(t.placed).toEqual([input.clientOrderId]);
  });

  it("shows the server's rejection reason", async () => {
    const t = renderForm({
      PlaceOrder: {
        placeOrder: {
          __typename: 'RejectedError',
          code: 'REJECTED',
          message: 'order rejected',
          reason: 'order notional 300000 exceeds limit 100000',
        },
      },
    });
    type('Quantity', '100');
    type('Limit price', '3000');
    submit();
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Rejected: order notional 300000 exceeds limit 100000',
    );
    expect(t.placed).toEqual([]);
  });
});
