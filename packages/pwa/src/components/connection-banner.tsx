import { useApp } from '../app-context';

const TEXT = {
  connected: 'Connected · live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  offline: 'Offline · last known data',
  unauthorized: 'Token rejected · sign in again',
} as const;

/** The live connection state, announced politely to screen readers. */
export function ConnectionBanner() {
  const app = useApp();
  return (
    <div
      class={`banner banner-${app.connection()}`}
      role="status"
      aria-live="polite"
      data-connection={app.connection()}
    >
      <span class="dot" aria-hidden="true" />
      {TEXT[app.connection()]}
    </div>
  );
}
