import type { CORSOptions } from 'graphql-yoga';
import { ApiConfigError } from '../errors';

/**
 * The browser origins allowed to call the API from another origin (`VELOZ_API_CORS_ORIGINS`). Requests
 * without an `Origin` header (servers, curl, the HTTP fast path) are not affected: CORS is a browser
 * contract, and the bearer token, not the origin, is what authenticates a call.
 */
export interface CorsPolicy {
  /** The allowed origins, normalised (`scheme://host[:port]`, lower case, default port omitted). */
  readonly origins: readonly string[];
  /** True when `origin` is exactly one of the allowed origins. */
  allows(origin: string | null | undefined): boolean;
  /**
   * yoga's `cors` option: for an allowed origin the CORS headers naming that origin (preflight `OPTIONS`
   * answers 204 with them); for any other origin `false`, i.e. no `Access-Control-*` header at all, so
   * the browser refuses to hand the response to the page.
   */
  yoga(request: Request): CORSOptions;
  /**
   * Headers for a response written outside yoga (401, 429) to an allowed origin, so that the page can
   * read the error and its `Retry-After`; undefined for any other origin.
   */
  headersFor(origin: string | undefined): Record<string, string> | undefined;
  /**
   * Whether a WebSocket upgrade may proceed: no `Origin` (not a browser), the same origin as the
   * request's `Host` (the PWA served by this API), or an allowed origin. A browser page on any other
   * origin is refused, so that it cannot use a token it got hold of from the user's machine.
   */
  allowsUpgrade(origin: string | undefined, host: string | undefined): boolean;
}

/** Response headers a page on an allowed origin may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = ['retry-after', 'x-veloz-worker'];
/** How long a browser may reuse a preflight answer, seconds. */
const PREFLIGHT_MAX_AGE_S = 600;

/**
 * The dev server's origins (scripts/dev.sh, packages/pwa/vite.config.ts): Vite on `VELOZ_PWA_PORT`
 * (default 5173) proxies `/graphql` to the API, and the browser's `Origin` is forwarded as is.
 */
export function devCorsOrigins(pwaPort: string | undefined): string[] {
  const port = pwaPort && /^\d{1,5}$/.test(pwaPort) && Number(pwaPort) <= 65535 ? Number(pwaPort) : 5173;
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * Parse a comma-separated list of exact origins (`https://ops.example.com,http://localhost:5173`).
 * Each entry must be `http(s)://host[:port]` with nothing after it (a trailing `/` is tolerated); the
 * result is normalised as browsers send `Origin`. `none` is the empty list (same origin only, also in
 * development). Throws ApiConfigError naming `variable`.
 */
export function parseCorsOrigins(raw: string, variable = 'VELOZ_API_CORS_ORIGINS'): string[] {
  const out: string[] = [];
  if (raw.trim() === 'none') return out;
  for (const [i, entry] of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .entries()) {
    const bad = (why: string) =>
      new ApiConfigError(
        variable,
        `entry ${i + 1} (${entry}) ${why}; expected an origin like https://ops.example.com or http://localhost:5173`,
      );
    if (entry === '*') throw bad('is a wildcard, which is not accepted: list the origins');
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw bad('is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('must use http or https');
    if (url.username || url.password) throw bad('must not carry credentials');
    if (url.search || url.hash || entry.includes('?') || entry.includes('#') || url.pathname !== '/')
      throw bad('must not have a path, query or fragment');
    if (!out.includes(url.origin)) out.push(url.origin);
  }
  return out;
}

/** Build the policy over already validated origins (see parseCorsOrigins). */
export function createCorsPolicy(origins: readonly string[]): CorsPolicy {
  // One options object and one header record per origin, built once: nothing is allocated per request.
  const yogaOptions = new Map<string, CORSOptions>();
  const headers = new Map<string, Record<string, string>>();
  for (const origin of origins) {
    yogaOptions.set(origin, {
      origin,
      methods: ['GET', 'POST', 'OPTIONS'],
      // Bearer tokens travel in a header, never in cookies: no credentialed CORS.
      credentials: false,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: PREFLIGHT_MAX_AGE_S,
    });
    headers.set(origin, {
      'access-control-allow-origin': origin,
      'access-control-expose-headers': EXPOSED_HEADERS.join(', '),
      vary: 'Origin',
    });
  }
  const allows = (origin: string | null | undefined): boolean =>
    typeof origin === 'string' && yogaOptions.has(origin);
  return {
    origins: [...origins],
    allows,
    yoga: (request) => yogaOptions.get(request.headers.get('origin') ?? '') ?? false,
    headersFor: (origin) => (origin === undefined ? undefined : headers.get(origin)),
    allowsUpgrade(origin, host) {
      if (origin === undefined || allows(origin)) return true;
      if (host === undefined) return false;
      try {
        // The scheme is not compared: a TLS-terminating proxy in front of the API keeps the Host.
        return new URL(origin).host === host.toLowerCase();
      } catch {
        return false; // `null` (sandboxed frames, file://) and garbage
      }
    },
  };
}
