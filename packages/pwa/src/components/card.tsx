import { createUniqueId, Show, type JSX } from 'solid-js';
import { StaleBadge } from './stale-badge';

/** A dashboard card: a titled region, with the stale badge when its data is not live. */
export function Card(props: {
  title: string;
  receivedAt?: number | undefined;
  stale?: boolean;
  status?: 'ok' | 'warn' | 'bad' | undefined;
  /** A note beside the title, e.g. "Last known" when the source of the data is down. */
  note?: string | undefined;
  /** The headline value, shown large beside the title. */
  value?: JSX.Element;
  /** Test hook for the headline value. */
  valueTestId?: string;
  children?: JSX.Element;
}) {
  const id = createUniqueId();
  return (
    <section class="card" classList={{ [`card-${props.status ?? 'none'}`]: true }} aria-labelledby={id}>
      <header class="card-head">
        <h2 id={id}>{props.title}</h2>
        <StaleBadge receivedAt={props.receivedAt} stale={props.stale ?? false} />
        <Show when={props.note}>
          <span class="badge badge-note">{props.note}</span>
        </Show>
        <Show when={props.value !== undefined}>
          <p class="value" data-testid={props.valueTestId}>
            {props.value}
          </p>
        </Show>
      </header>
      {props.children}
    </section>
  );
}

/** A term and its value inside a card. */
export function Field(props: { label: string; children: JSX.Element }) {
  return (
    <div class="field">
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}
