import { createSignal, type Accessor } from 'solid-js';

/** A matched route. */
export type Route =
  | { name: 'dashboard' }
  | { name: 'orders' }
  | { name: 'new-order' }
  | { name: 'order'; clientOrderId: string }
  | { name: 'reconciliation' }
  | { name: 'not-found'; path: string };

/** Which view a path shows (pure). */
export function matchRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/') return { name: 'dashboard' };
  if (p === '/orders') return { name: 'orders' };
  if (p === '/orders/new') return { name: 'new-order' };
  const order = /^\/orders\/([^/]+)$/.exec(p);
  if (order) return { name: 'order', clientOrderId: decodeURIComponent(order[1]!) };
  if (p === '/reconciliation') return { name: 'reconciliation' };
  return { name: 'not-found', path: p };
}

/** A tiny History API router: the current path as a signal, and navigate(). */
export function createRouter(): { path: Accessor<string>; navigate: (path: string) => void } {
  const [path, setPath] = createSignal(globalThis.location?.pathname ?? '/');
  globalThis.addEventListener?.('popstate', () => setPath(globalThis.location.pathname));
  return {
    path,
    navigate(to) {
      if (to === globalThis.location.pathname) return;
      globalThis.history.pushState(null, '', to);
      setPath(to);
      globalThis.scrollTo?.(0, 0);
    },
  };
}
