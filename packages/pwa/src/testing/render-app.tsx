import { render } from '@solidjs/testing-library';
import { createSignal, type JSX } from 'solid-js';
import { Provider } from '@urql/solid';
import { AppContext, type AppContextValue } from '../app-context';
import type { ConnectionStatus } from '../lib/connection';
import { createTestClient } from './test-client';

/** Render `view` inside the app context and a test urql client; returns the client and a connection setter. */
export function renderWithApp(
  view: () => JSX.Element,
  results: Parameters<typeof createTestClient>[0] = {},
  connection: ConnectionStatus = 'connected',
) {
  const test = createTestClient(results);
  const [conn, setConn] = createSignal<ConnectionStatus>(connection);
  const navigated: string[] = [];
  const app: AppContextValue = {
    connection: conn,
    now: () => Date.now(),
    role: () => undefined,
    navigate: (path) => navigated.push(path),
    signOut: () => undefined,
  };
  render(() => (
    <AppContext.Provider value={app}>
      <Provider value={test.client}>{view()}</Provider>
    </AppContext.Provider>
  ));
  return { ...test, setConn, navigated };
}
