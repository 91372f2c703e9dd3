import { VenueError, type VenueErrorCode } from '@veloz/engine';

const CODES: ReadonlySet<string> = new Set<VenueErrorCode>([
  'REJECTED',
  'INSUFFICIENT_FUNDS',
  'INVALID_PRICE',
  'INVALID_QUANTITY',
  'UNKNOWN_SYMBOL',
  'RATE_LIMITED',
  'NOT_FOUND',
  'NETWORK',
  'UNAVAILABLE',
  'UNKNOWN',
]);

/** An HTTP answer from the exchange: 2xx with its body, or a 4xx with the venue's error code. */
export type ApiAnswer<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; code: VenueErrorCode; message: string };

/**
 * Small JSON client of the exchange's HTTP API over the global fetch (undici, keep-alive). Transport
 * failures and timeouts throw VenueError NETWORK, 503 UNAVAILABLE, 429 RATE_LIMITED, other 5xx UNKNOWN;
 * 4xx come back as answers for the caller to map. `retryOnce` resends after a transport failure, for
 * idempotent calls only (a keep-alive socket the server dropped fails the first request that reuses it).
 */
export function createHttpClient(baseUrl: string, timeoutMs: number) {
  async function once<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(new URL(path, baseUrl), {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      throw new VenueError(
        'NETWORK',
        timedOut
          ? `${method} ${path} timed out after ${timeoutMs} ms`
          : `${method} ${path} failed: ${describe(cause)}`,
        { cause },
      );
    }
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch (cause) {
      if (res.status === 503) throw new VenueError('UNAVAILABLE', `${method} ${path}: 503`, { cause });
      throw new VenueError('NETWORK', `${method} ${path}: unreadable answer (${res.status})`, { cause });
    }
    if (res.ok) return { ok: true, status: res.status, body: parsed as T };
    const err = (parsed as { error?: { code?: string; message?: string } }).error ?? {};
    const message = `${err.message ?? res.statusText}`;
    if (res.status === 503) throw new VenueError('UNAVAILABLE', `${method} ${path}: ${message}`);
    if (res.status === 429) throw new VenueError('RATE_LIMITED', `${method} ${path}: ${message}`);
    if (res.status >= 500) throw new VenueError('UNKNOWN', `${method} ${path}: ${res.status} ${message}`);
    const code = err.code && CODES.has(err.code) ? (err.code as VenueErrorCode) : 'UNKNOWN';
    return { ok: false, status: res.status, code, message };
  }

  return {
    async request<T>(
      method: string,
      path: string,
      options: { body?: unknown; retryOnce?: boolean } = {},
    ): Promise<ApiAnswer<T>> {
      try {
        return await once<T>(method, path, options.body);
      } catch (err) {
        if (
          options.retryOnce &&
          err instanceof VenueError &&
          err.venueCode === 'NETWORK' &&
          !/timed out/.test(err.message)
        )
          return once<T>(method, path, options.body);
        throw err;
      }
    },
  };
}
export type HttpClient = ReturnType<typeof createHttpClient>;

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
}
