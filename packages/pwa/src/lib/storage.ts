/**
 * Device storage: the API token and the last data each view showed (for offline, marked stale).
 * localStorage can throw (private mode, quota); every access degrades to "nothing stored".
 */

const TOKEN_KEY = 'veloz:token';
const CACHE_PREFIX = 'veloz:cache:';

/** A value kept on the device with the time it was received (epoch ms). */
export interface Cached<T> {
  data: T;
  savedAt: number;
}

function store(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** The API token kept on this device, if any. */
export function readToken(): string | undefined {
  try {
    return store()?.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keep the API token on this device. */
export function writeToken(token: string): void {
  try {
    store()?.setItem(TOKEN_KEY, token);
  } catch {
    // Not persisted: the session still works until the page is closed.
  }
}

/** Forget the token and every cached view (sign out). */
export function clearDevice(): void {
  const s = store();
  if (!s) return;
  try {
    s.removeItem(TOKEN_KEY);
    for (const key of Object.keys(s)) if (key.startsWith(CACHE_PREFIX)) s.removeItem(key);
  } catch {
    // Nothing more we can do.
  }
}

/** The last value saved under `key`, or undefined. */
export function readCache<T>(key: string): Cached<T> | undefined {
  try {
    const raw = store()?.getItem(CACHE_PREFIX + key);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Cached<T>;
    return typeof parsed?.savedAt === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Save `data` under `key` with its time. */
export function writeCache<T>(key: string, data: T, savedAt: number): void {
  try {
    store()?.setItem(CACHE_PREFIX + key, JSON.stringify({ data, savedAt } satisfies Cached<T>));
  } catch {
    // Quota or private mode: offline data will simply be older.
  }
}
