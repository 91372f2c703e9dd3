import { createContext, useContext, type Accessor } from 'solid-js';
import type { ConnectionStatus } from './lib/connection';

/** What every view may need besides the urql client. */
export interface AppContextValue {
  /** The connection banner's state. */
  connection: Accessor<ConnectionStatus>;
  /** Epoch ms, ticking once a second: drives "updated 5 s ago". */
  now: Accessor<number>;
  /** The token's role when the API told us; undefined while unknown (operator controls stay visible). */
  role: Accessor<string | undefined>;
  /** Navigate inside the app (pushState). */
  navigate: (path: string) => void;
  signOut: () => void;
}

export const AppContext = createContext<AppContextValue>();

/** The app context; throws outside <AppContext.Provider>. */
export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('useApp() outside AppContext.Provider');
  return ctx;
}

/** True unless the API said this token is a viewer: the server enforces roles anyway. */
export const canOperate = (role: string | undefined): boolean => role === undefined || role === 'operator';
