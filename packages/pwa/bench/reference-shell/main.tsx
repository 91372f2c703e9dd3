/**
 * The benchmarks' reference: the issue's "bare Solid + urql + graphql-ws + vite-plugin-pwa shell". One
 * query and one subscription through the same kinds of exchanges as the PWA, one line of output, the
 * token from the same localStorage key; no views, no styles. Built and served like the PWA by
 * `bench/reference-shell.ts`, measured in the same run as it.
 */
import { render } from 'solid-js/web';
import { Show } from 'solid-js';
import { Client, cacheExchange, fetchExchange, gql, subscriptionExchange } from '@urql/core';
import { Provider, createQuery, createSubscription } from '@urql/solid';
import { createClient } from 'graphql-ws';

const token = localStorage.getItem('veloz:token') ?? '';
const ws = createClient({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  connectionParams: { authToken: token },
});
const client = new Client({
  url: '/graphql',
  fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
  exchanges: [
    cacheExchange,
    fetchExchange,
    subscriptionExchange({
      forwardSubscription: (request) => ({
        subscribe: (sink) => ({
          unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink),
        }),
      }),
    }),
  ],
});

const EngineQuery = gql<{ engine: { connected: boolean } }>`
  query ShellEngine {
    engine {
      connected
    }
  }
`;
const EngineStream = gql<{ engineStatus: { connected: boolean } }>`
  subscription ShellEngineStream {
    engineStatus {
      connected
    }
  }
`;

function Shell() {
  const [query] = createQuery({ query: EngineQuery });
  const [stream] = createSubscription({ query: EngineStream });
  const connected = () => stream.data?.engineStatus.connected ?? query.data?.engine.connected;
  return (
    <main>
      <h1>VeloZ</h1>
      <p>
        Engine connected:{' '}
        <Show when={connected() !== undefined} fallback="…">
          {connected() ? 'Yes' : 'No'}
        </Show>
      </p>
    </main>
  );
}

const root = document.getElementById('app');
if (!root) throw new Error('#app is missing');
render(
  () => (
    <Provider value={client}>
      <Shell />
    </Provider>
  ),
  root,
);
