import { Show } from 'solid-js';
import { useApp } from '../app-context';
import { formatAge } from '../lib/format';

/** "Stale · 3 min ago" when the data shown is not live (offline, reconnecting, or from the device cache). */
export function StaleBadge(props: { receivedAt: number | undefined; stale: boolean }) {
  const app = useApp();
  return (
    <Show when={props.stale && props.receivedAt !== undefined}>
      <span class="badge badge-stale" role="note">
        Stale · {formatAge(app.now() - (props.receivedAt ?? 0))}
      </span>
    </Show>
  );
}
