import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import type { ConnectionEvent } from '../lib/connection';

/** How to reach the API. */
export interface VelozClientOptions {
  /** The API token, sent as `Authorization: Bearer` and as graphql-ws `connectionParams.authToken`. */
  token: string;
  /** HTTP endpoint; default `/graphql` on this origin (the dev server proxies it). */
  url?: string;
  /** graphql-ws endpoint; default `ws(s)://<this host>/graphql`. */
  wsUrl?: string;
  /** Open the socket only when a subscription needs it (a one-off token check); default false. */
  lazyWs?: boolean;
  /** Socket events for the connection banner. */
  onConnection?: (event: ConnectionEvent) => void;
}

/** An urql client over HTTP (queries as GET within the URL limit, mutations as POST) and graphql-ws. */
export interface VelozClient {
  client: Client;
  /** Close the socket; the client must not be used after. Idempotent. */
  dispose(): void;
}

function defaultWsUrl(): string {
  const { protocol, host } = globalThis.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/graphql`;
}

/** Build the client for one token. A new token means a new client (and socket). */
export function createVelozClient(opts: VelozClientOptions): VelozClient {
  const emit = opts.onConnection ?? (() => undefined);
  const ws: WsClient = createWsClient({
    url: opts.wsUrl ?? defaultWsUrl(),
    connectionParams: () => ({ authToken: opts.token }),
    // Keep the socket open without subscriptions too, so the banner always tells the truth.
    lazy: opts.lazyWs ?? false,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    // Exponential backoff with jitter, capped at 5 s so a restarted API is noticed quickly.
    retryWait: (retries) =>
      new Promise((resolve) => setTimeout(resolve, Math.min(5000, 300 * 2 ** retries) + Math.random() * 300)),
    keepAlive: 10_000,
    on: {
      connecting: () => emit({ type: 'connecting' }),
      connected: () => emit({ type: 'connected' }),
      closed: (event) => emit({ type: 'closed', code: (event as { code?: number } | undefined)?.code }),
    },
  });
  const client = new Client({
    url: opts.url ?? '/graphql',
    preferGetMethod: 'within-url-limit',
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: { authorization: `Bearer ${opts.token}` } }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  let disposed = false;
  return {
    client,
    dispose() {
      if (disposed) return;
      disposed = true;
      void ws.dispose();
    },
  };
}
