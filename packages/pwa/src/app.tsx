import { createMemo, createSignal, lazy, Match, onCleanup, Show, Suspense, Switch } from 'solid-js';
import { Provider } from '@urql/solid';
import { AppContext, type AppContextValue } from './app-context';
import { ConnectionBanner } from './components/connection-banner';
import { Link } from './components/link';
import { createVelozClient } from './graphql/client';
import { SignInCheckQuery } from './graphql/operations';
import {
  connectionStatus,
  initialConnection,
  reduceConnection,
  type ConnectionEvent,
} from './lib/connection';
import { matchRoute, createRouter } from './lib/router';
import { clearDevice, readToken, writeToken } from './lib/storage';
import { Dashboard } from './views/dashboard/dashboard';
import { SignIn } from './views/sign-in';

// Orders and reconciliation load on first visit: the dashboard alone is the initial bundle.
const OrdersList = lazy(() => import('./views/orders/orders-list').then((m) => ({ default: m.OrdersList })));
const OrderDetailView = lazy(() =>
  import('./views/orders/order-detail').then((m) => ({ default: m.OrderDetailView })),
);
const NewOrderView = lazy(() =>
  import('./views/orders/place-order').then((m) => ({ default: m.NewOrderView })),
);
const ReconciliationView = lazy(() =>
  import('./views/reconciliation').then((m) => ({ default: m.ReconciliationView })),
);

/** Ask the API whether a token is accepted (any authenticated read). */
async function checkToken(token: string): Promise<string | undefined> {
  const probe = createVelozClient({ token, lazyWs: true });
  try {
    const res = await probe.client.query(SignInCheckQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    if (!res.error) return undefined;
    const status = (res.error.response as Response | undefined)?.status;
    if (status === 401 || status === 403) return 'Token rejected';
    if (res.error.networkError) return 'Cannot reach the API; check your connection';
    const code = res.error.graphQLErrors[0]?.extensions?.code;
    if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') return 'Token rejected';
    return res.error.graphQLErrors[0]?.message ?? res.error.message;
  } finally {
    probe.dispose();
  }
}

/** The application: sign-in gate, banner, navigation and views. */
export function App() {
  const router = createRouter();
  const [token, setToken] = createSignal(readToken());
  const [conn, setConn] = createSignal(initialConnection(globalThis.navigator?.onLine ?? true));
  const dispatch = (e: ConnectionEvent) => setConn((s) => reduceConnection(s, e));
  const onOnline = () => dispatch({ type: 'online' });
  const onOffline = () => dispatch({ type: 'offline' });
  globalThis.addEventListener('online', onOnline);
  globalThis.addEventListener('offline', onOffline);
  const [now, setNow] = createSignal(Date.now());
  const tick = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => {
    clearInterval(tick);
    globalThis.removeEventListener('online', onOnline);
    globalThis.removeEventListener('offline', onOffline);
  });

  const velozClient = createMemo(() => {
    const t = token();
    if (!t) return undefined;
    setConn(initialConnection(globalThis.navigator?.onLine ?? true));
    const c = createVelozClient({ token: t, onConnection: dispatch });
    onCleanup(() => c.dispose());
    return c;
  });

  // The API does not say which role a token has; operator controls stay visible and a viewer's
  // attempt is answered with ForbiddenError, shown as such.
  const role = () => undefined;

  const app: AppContextValue = {
    connection: () => connectionStatus(conn()),
    now,
    role,
    navigate: router.navigate,
    signOut: () => {
      clearDevice();
      setToken(undefined);
      router.navigate('/');
    },
  };
  const route = createMemo(() => matchRoute(router.path()));
  const orderId = () => {
    const r = route();
    return r.name === 'order' ? r.clientOrderId : undefined;
  };
  const current = (name: string) => (route().name === name ? 'page' : undefined);

  return (
    <AppContext.Provider value={app}>
      <Show
        when={velozClient()}
        fallback={
          <SignIn
            check={checkToken}
            onSignedIn={(t) => {
              writeToken(t);
              setToken(t);
            }}
          />
        }
      >
        {(c) => (
          <Provider value={c().client}>
            <header class="top">
              <span class="brand">VeloZ</span>
              <ConnectionBanner />
              <button type="button" class="link" onClick={app.signOut}>
                Sign out
              </button>
            </header>
            <Show when={app.connection() === 'unauthorized'}>
              <p class="error" role="alert">
                The API rejected this token.{' '}
                <button type="button" onClick={app.signOut}>
                  Sign in again
                </button>
              </p>
            </Show>
            <Suspense fallback={<p class="empty">Loading…</p>}>
              <Switch
                fallback={
                  <main>
                    <h1>Not found</h1>
                  </main>
                }
              >
                <Match when={route().name === 'dashboard'}>
                  <main>
                    <h1 class="visually-hidden">Dashboard</h1>
                    <Dashboard />
                  </main>
                </Match>
                <Match when={route().name === 'orders'}>
                  <OrdersList />
                </Match>
                <Match when={route().name === 'new-order'}>
                  <NewOrderView onPlaced={(id) => router.navigate(`/orders/${encodeURIComponent(id)}`)} />
                </Match>
                <Match when={orderId()}>{(id) => <OrderDetailView clientOrderId={id()} />}</Match>
                <Match when={route().name === 'reconciliation'}>
                  <ReconciliationView />
                </Match>
              </Switch>
            </Suspense>
            <nav class="tabs" aria-label="Main">
              <Link href="/" aria-current={current('dashboard')}>
                Dashboard
              </Link>
              <Link href="/orders" aria-current={route().name.includes('order') ? 'page' : undefined}>
                Orders
              </Link>
              <Link href="/reconciliation" aria-current={current('reconciliation')}>
                Reconciliation
              </Link>
            </nav>
          </Provider>
        )}
      </Show>
    </AppContext.Provider>
  );
}
