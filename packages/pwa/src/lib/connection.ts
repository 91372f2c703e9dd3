/** What the connection banner says. */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'unauthorized';

/** Everything that moves the banner: graphql-ws client events and the browser's online/offline events. */
export type ConnectionEvent =
  | { type: 'connecting' }
  | { type: 'connected' }
  | { type: 'closed'; code?: number }
  | { type: 'online' }
  | { type: 'offline' };

/** The connection as last seen. */
export interface ConnectionState {
  socket: 'connecting' | 'connected' | 'closed';
  online: boolean;
  everConnected: boolean;
  /** The last connection attempt failed (cleared by the next success, not by the next attempt). */
  failed: boolean;
  unauthorized: boolean;
}

export const initialConnection = (online = true): ConnectionState => ({
  socket: 'connecting',
  online,
  everConnected: false,
  failed: false,
  unauthorized: false,
});

// graphql-ws close codes for a rejected token (4401 Unauthorized, 4403 Forbidden).
const AUTH_CLOSE_CODES = new Set([4401, 4403]);

/** The next connection state (pure). */
export function reduceConnection(s: ConnectionState, e: ConnectionEvent): ConnectionState {
  switch (e.type) {
    case 'connecting':
      return { ...s, socket: 'connecting' };
    case 'connected':
      return {
        ...s,
        socket: 'connected',
        everConnected: true,
        failed: false,
        unauthorized: false,
        online: true,
      };
    case 'closed':
      return {
        ...s,
        socket: 'closed',
        failed: true,
        unauthorized: e.code !== undefined && AUTH_CLOSE_CODES.has(e.code),
      };
    case 'online':
      return { ...s, online: true };
    case 'offline':
      return { ...s, online: false };
  }
}

/**
 * What the banner shows for a state. Never connected in this page and the last attempt failed counts
 * as offline: the browser's `navigator.onLine` is often wrong, and the data shown is the saved copy.
 */
export function connectionStatus(s: ConnectionState): ConnectionStatus {
  if (s.unauthorized) return 'unauthorized';
  if (!s.online) return 'offline';
  if (s.socket === 'connected') return 'connected';
  if (s.everConnected) return 'reconnecting';
  return s.failed ? 'offline' : 'connecting';
}
