import { Agent as HttpAgent, request as httpRequest, STATUS_CODES } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/** Sockets kept open to the exchange at most (concurrent requests beyond it queue in the agent). */
const MAX_SOCKETS = 256;

/**
 * Small JSON client of the exchange's HTTP API over node:http with a keep-alive agent. (The global
 * fetch of Node 20, undici, costs about 0.5 ms more per call and tops out near 1,700 calls/s on this
 * kind of machine; node:http with keep-alive does 8-13k/s: docs/plugins/venue-sim.md.)
 * Transport failures and timeouts throw VenueError NETWORK, 503 UNAVAILABLE, 429 RATE_LIMITED, other
 * 5xx UNKNOWN; 4xx come back as answers for the caller to map. `retryOnce` resends after a transport
 * failure, for idempotent calls only (a keep-alive socket the server dropped fails the first request
 * that reuses it). `close()` destroys the kept sockets.
 */
export function createHttpClient(baseUrl: string, timeoutMs: number) {
  const base = new URL(baseUrl);
  const request = base.protocol === 'https:' ? httpsRequest : httpRequest;
  const agent =
    base.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, scheduling: 'lifo' })
      : new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, scheduling: 'lifo' });

  /** One HTTP exchange: status and body text; rejects on transport failure or timeout. */
  function exchange(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    const url = new URL(path, base);
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      let timedOut = false;
      const req = request(url, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
      });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error('timeout'));
      }, timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(timedOut ? Object.assign(new Error('timed out'), { name: 'TimeoutError' }) : err);
      });
      req.end(body);
    });
  }

  async function once<T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    let res: { status: number; text: string };
    try {
      res = await exchange(method, path, body === undefined ? undefined : JSON.stringify(body));
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
      parsed = JSON.parse(res.text);
    } catch (cause) {
      if (res.status === 503) throw new VenueError('UNAVAILABLE', `${method} ${path}: 503`, { cause });
      throw new VenueError('NETWORK', `${method} ${path}: unreadable answer (${res.status})`, { cause });
    }
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, body: parsed as T };
    const err = (parsed as { error?: { code?: string; message?: string } } | null)?.error ?? {};
    const message = `${err.message ?? STATUS_CODES[res.status] ?? res.status}`;
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
    /** Destroy the kept-alive sockets (requests after this open new ones). */
    close(): void {
      agent.destroy();
    },
  };
}
export type HttpClient = ReturnType<typeof createHttpClient>;

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
}
