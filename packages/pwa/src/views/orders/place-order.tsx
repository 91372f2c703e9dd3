import { createSignal, For, Show, type JSX } from 'solid-js';
import { createStore } from 'solid-js/store';
import { createMutation } from '@urql/solid';
import {
  emptyOrderForm,
  newClientOrderId,
  toPlaceOrderInput,
  validateOrderForm,
  type OrderFormErrors,
  type OrderFormValues,
} from '../../lib/order-form';
import {
  failureMessage,
  isSuccess,
  PlaceOrderMutation,
  type MutationFailure,
} from '../../graphql/operations';

/** A labelled control with its error, wired for screen readers. */
function Control(props: {
  id: keyof OrderFormValues;
  label: string;
  error?: string | undefined;
  children: JSX.Element;
}) {
  return (
    <div class="control">
      <label for={props.id}>{props.label}</label>
      {props.children}
      <Show when={props.error}>
        <p id={`${props.id}-error`} class="error">
          {props.error}
        </p>
      </Show>
    </div>
  );
}

/**
 * The place-order form: validated on the device before it is sent, the server's rejection reason shown
 * as it comes. `onPlaced` receives the client order id of an accepted order.
 */
export function PlaceOrderForm(props: { onPlaced?: (clientOrderId: string) => void }) {
  const [form, setForm] = createStore<OrderFormValues>(emptyOrderForm());
  const [errors, setErrors] = createSignal<OrderFormErrors>({});
  const [submitted, setSubmitted] = createSignal(false);
  const [serverError, setServerError] = createSignal<string>();
  const [state, place] = createMutation(PlaceOrderMutation);

  const set = <K extends keyof OrderFormValues>(key: K, value: OrderFormValues[K]) => {
    setForm(key, value);
    if (key === 'type') setForm('timeInForce', value === 'MARKET' ? 'IOC' : 'GTC');
    if (key === 'type' && value === 'MARKET') setForm('price', '');
    if (submitted()) setErrors(validateOrderForm(form));
  };
  const invalid = (key: keyof OrderFormValues) => (errors()[key] ? 'true' : undefined);
  const describedBy = (key: keyof OrderFormValues) => (errors()[key] ? `${key}-error` : undefined);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setServerError(undefined);
    const problems = validateOrderForm(form);
    setErrors(problems);
    const first = Object.keys(problems)[0];
    if (first) {
      (document.getElementById(first) as HTMLElement | null)?.focus();
      return;
    }
    const input = toPlaceOrderInput(form);
    const res = await place({ input });
    if (res.error) {
      setServerError(res.error.graphQLErrors[0]?.message ?? res.error.message);
      return;
    }
    const result = res.data?.placeOrder;
    if (!result) return;
    if (!isSuccess(result)) {
      setServerError(failureMessage(result as MutationFailure));
      return;
    }
    props.onPlaced?.(input.clientOrderId);
    setForm(emptyOrderForm(newClientOrderId()));
    setSubmitted(false);
  };

  return (
    <form class="order-form" onSubmit={submit} novalidate aria-label="Place order">
      <fieldset class="segmented">
        <legend>Side</legend>
        <For each={['BUY', 'SELL'] as const}>
          {(s) => (
            <label class={`seg seg-${s.toLowerCase()}`}>
              <input
                type="radio"
                name="side"
                value={s}
                checked={form.side === s}
                onChange={() => set('side', s)}
              />
              {s === 'BUY' ? 'Buy' : 'Sell'}
            </label>
          )}
        </For>
      </fieldset>
      <Control id="symbol" label="Symbol" error={errors().symbol}>
        <input
          id="symbol"
          value={form.symbol}
          autocapitalize="characters"
          onInput={(e) => set('symbol', e.currentTarget.value)}
          aria-invalid={invalid('symbol')}
          aria-describedby={describedBy('symbol')}
        />
      </Control>
      <Control id="type" label="Type" error={errors().type}>
        <select
          id="type"
          value={form.type}
          onChange={(e) => set('type', e.currentTarget.value as OrderFormValues['type'])}
        >
          <option value="LIMIT">Limit</option>
          <option value="MARKET">Market</option>
        </select>
      </Control>
      <Control id="quantity" label="Quantity" error={errors().quantity}>
        <input
          id="quantity"
          inputmode="decimal"
          value={form.quantity}
          onInput={(e) => set('quantity', e.currentTarget.value)}
          aria-invalid={invalid('quantity')}
          aria-describedby={describedBy('quantity')}
        />
      </Control>
      <Show when={form.type === 'LIMIT'}>
        <Control id="price" label="Limit price" error={errors().price}>
          <input
            id="price"
            inputmode="decimal"
            value={form.price}
            onInput={(e) => set('price', e.currentTarget.value)}
            aria-invalid={invalid('price')}
            aria-describedby={describedBy('price')}
          />
        </Control>
      </Show>
      <Control id="timeInForce" label="Time in force" error={errors().timeInForce}>
        <select
          id="timeInForce"
          value={form.timeInForce}
          onChange={(e) => set('timeInForce', e.currentTarget.value as OrderFormValues['timeInForce'])}
          aria-invalid={invalid('timeInForce')}
          aria-describedby={describedBy('timeInForce')}
        >
          <option value="GTC" disabled={form.type === 'MARKET'}>
            GTC (good till canceled)
          </option>
          <option value="IOC">IOC (immediate or cancel)</option>
          <option value="FOK">FOK (fill or kill)</option>
        </select>
      </Control>
      <details open={Boolean(errors().venue || errors().clientOrderId)}>
        <summary>More</summary>
        <Control id="venue" label="Venue" error={errors().venue}>
          <input
            id="venue"
            value={form.venue}
            onInput={(e) => set('venue', e.currentTarget.value)}
            aria-invalid={invalid('venue')}
            aria-describedby={describedBy('venue')}
          />
        </Control>
        <Control id="clientOrderId" label="Client order id" error={errors().clientOrderId}>
          <input
            id="clientOrderId"
            value={form.clientOrderId}
            onInput={(e) => set('clientOrderId', e.currentTarget.value)}
            aria-invalid={invalid('clientOrderId')}
            aria-describedby={describedBy('clientOrderId')}
          />
        </Control>
      </details>
      <Show when={serverError()}>
        <p class="error" role="alert">
          Rejected: {serverError()}
        </p>
      </Show>
      <button type="submit" class="primary" disabled={state.fetching}>
        {state.fetching ? 'Placing…' : `Place ${form.side === 'BUY' ? 'buy' : 'sell'} order`}
      </button>
    </form>
  );
}

/** The new-order page. */
export function NewOrderView(props: { onPlaced: (clientOrderId: string) => void }) {
  return (
    <main>
      <h1>New order</h1>
      <PlaceOrderForm onPlaced={props.onPlaced} />
    </main>
  );
}
