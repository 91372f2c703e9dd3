import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { cacheControlFor, isSpaRoute } from '@veloz/pwa';
import { ApiError } from '../errors';
import { sendJson } from './respond';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Content types by extension; text types carry `charset=utf-8`. Anything else is `application/octet-stream`. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Types worth compressing (text; already-compressed images and fonts are not). */
const COMPRESSIBLE = new Set([
  '.html',
  '.js',
  '.mjs',
  '.css',
  '.json',
  '.map',
  '.webmanifest',
  '.txt',
  '.xml',
  '.svg',
  '.ico',
  '.wasm',
]);

/** Smaller files are sent as they are: the headers would outweigh the saving. */
const COMPRESS_MIN_BYTES = 256;
/** The site is held in memory; a directory larger than this is refused at start. */
const MAX_SITE_BYTES = 64 * 1024 * 1024;

/**
 * Paths that belong to the API and never fall back to the app, whatever the method: GraphQL, REST,
 * metrics and the probes (also with a trailing path, e.g. `/api/nope` is a 404, not the shell).
 */
const API_PREFIXES = ['/graphql', '/api', '/metrics', '/healthz', '/readyz'];

/** The static directory could not be loaded (missing, unreadable, too large). */
export class StaticSiteError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATIC_SITE', message, options);
  }
}

type Encoding = 'br' | 'gzip';

interface Representation {
  body: Buffer;
  etag: string;
  encoding: Encoding | undefined;
}

interface SiteFile {
  /** URL path, e.g. `/assets/index-abc.js`. */
  path: string;
  contentType: string;
  cacheControl: string;
  /** identity first, then the compressed variants that were smaller. */
  identity: Representation;
  variants: Partial<Record<Encoding, Representation>>;
  /** Every ETag of this file (any representation revalidates it). */
  etags: Set<string>;
  compressible: boolean;
}

/** What `load()` found. */
export interface StaticSiteStats {
  dir: string;
  files: number;
  bytes: number;
  /** Total size of the gzip / brotli variants kept. */
  gzipBytes: number;
  brotliBytes: number;
}

/** The built PWA served by the API: static files, SPA fallback, cache headers, compression, ETags. */
export interface StaticSite {
  /**
   * Read the directory into memory and precompress the text files (gzip 9, brotli 11). Idempotent;
   * files changed on disk afterwards are not seen (restart the API after a new build).
   */
  load(): Promise<StaticSiteStats>;
  /**
   * Answer a request if it is the site's (GET/HEAD of a file or an app route; 405 for other methods).
   * Returns false, without writing, for API paths (`/graphql`, `/api/*`, `/metrics`, `/healthz`,
   * `/readyz`) so that the caller answers them (or 404s). Throws if `load()` has not completed.
   */
  handle(method: string, rawUrl: string, headers: IncomingHttpHeaders, res: ServerResponse): boolean;
}

/** True when `path` (a URL path) is one of the API's and must never be answered by the site. */
export function isApiPath(path: string): boolean {
  const lower = path.toLowerCase();
  return API_PREFIXES.some((p) => lower === p || lower.startsWith(`${p}/`));
}

/**
 * Split a request target into decoded path segments, or undefined when it must be refused: not
 * origin-form, malformed percent-encoding, `.`/`..` segments (also encoded), empty segments (`//`,
 * absolute paths), or segments hiding a separator or NUL once decoded (`%2f`, `%5c`, `%00`).
 * Pure; a trailing slash gives a last empty segment.
 */
export function parseRequestPath(rawUrl: string): string[] | undefined {
  const raw = rawUrl.split(/[?#]/, 1)[0]!;
  if (!raw.startsWith('/')) return undefined;
  const parts = raw.slice(1).split('/');
  const out: string[] = [];
  for (const [i, part] of parts.entries()) {
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (seg === '' && i !== parts.length - 1) return undefined;
    if (seg === '.' || seg === '..') return undefined;
    if (/[/\\\0]/.test(seg)) return undefined;
    out.push(seg);
  }
  return out;
}

/**
 * Pick the response encoding from `Accept-Encoding` among those available: highest q wins, brotli
 * before gzip on a tie; `*` covers unnamed codings; q=0 refuses. Pure.
 */
export function negotiateEncoding(
  header: string | undefined,
  available: readonly Encoding[],
): Encoding | undefined {
  if (!header || available.length === 0) return undefined;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/.exec(p);
      if (m) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const enc of ['br', 'gzip'] as const) {
    if (!available.includes(enc)) continue;
    const w = q.get(enc) ?? (enc === 'gzip' ? q.get('x-gzip') : undefined) ?? q.get('*') ?? 0;
    if (w > bestQ) {
      best = enc;
      bestQ = w;
    }
  }
  return best;
}

/** True when an `If-None-Match` header names one of `etags` (weak comparison, `*` matches). */
export function etagMatches(header: string | undefined, etags: ReadonlySet<string>): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => etags.has(t.trim().replace(/^W\//, '')));
}

async function walk(dir: string, prefix: string, out: Array<{ file: string; path: string }>): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    // Dotfiles and symbolic links are never served (a link could point outside the directory).
    if (e.name.startsWith('.')) continue;
    const file = join(dir, e.name);
    const path = `${prefix}/${e.name}`;
    if (e.isDirectory()) await walk(file, path, out);
    else if (e.isFile()) out.push({ file, path });
  }
}

/** Create the static site for `dir` (the built PWA, `index.html` at its root). Call `load()` before `handle()`. */
export function createStaticSite(options: { dir: string }): StaticSite {
  const { dir } = options;
  const files = new Map<string, SiteFile>();
  let loading: Promise<StaticSiteStats> | undefined;
  let loaded = false;

  const loadFile = async (file: string, path: string): Promise<SiteFile> => {
    const body = await readFile(file);
    const ext = extname(path).toLowerCase();
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
    const compressible = COMPRESSIBLE.has(ext);
    const variants: SiteFile['variants'] = {};
    if (compressible && body.length >= COMPRESS_MIN_BYTES) {
      const [gz, br] = await Promise.all([
        gzipAsync(body, { level: 9 }),
        brotliAsync(body, {
          params: {
            [zlib.BROTLI_PARAM_QUALITY]: 11,
            [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
            [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
          },
        }),
      ]);
      if (gz.length < body.length) variants.gzip = { body: gz, etag: `"${hash}-gz"`, encoding: 'gzip' };
      if (br.length < body.length) variants.br = { body: br, etag: `"${hash}-br"`, encoding: 'br' };
    }
    const identity: Representation = { body, etag: `"${hash}"`, encoding: undefined };
    return {
      path,
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      cacheControl: cacheControlFor(path),
      identity,
      variants,
      etags: new Set([identity.etag, ...Object.values(variants).map((v) => v.etag)]),
      compressible,
    };
  };

  const send = (method: string, file: SiteFile, headers: IncomingHttpHeaders, res: ServerResponse) => {
    const accept = headers['accept-encoding'];
    const enc = negotiateEncoding(
      Array.isArray(accept) ? accept.join(',') : accept,
      Object.keys(file.variants) as Encoding[],
    );
    const rep = (enc && file.variants[enc]) || file.identity;
    const common: Record<string, string> = {
      'cache-control': file.cacheControl,
      etag: rep.etag,
      'x-content-type-options': 'nosniff',
    };
    if (file.compressible) common.vary = 'Accept-Encoding';
    const inm = headers['if-none-match'];
    if (etagMatches(Array.isArray(inm) ? inm.join(',') : inm, file.etags)) {
      res.writeHead(304, common);
      res.end();
      return;
    }
    res.writeHead(200, {
      ...common,
      'content-type': file.contentType,
      'content-length': String(rep.body.length),
      ...(rep.encoding ? { 'content-encoding': rep.encoding } : {}),
    });
    if (method === 'HEAD') res.end();
    else res.end(rep.body);
  };

  return {
    load() {
      loading ??= (async () => {
        const found: Array<{ file: string; path: string }> = [];
        try {
          await walk(dir, '', found);
        } catch (err) {
          throw new StaticSiteError(`cannot read the static directory ${dir}: ${(err as Error).message}`, {
            cause: err,
          });
        }
        if (!found.some((f) => f.path === '/index.html'))
          throw new StaticSiteError(`no index.html in the static directory ${dir}`);
        const stats: StaticSiteStats = { dir, files: 0, bytes: 0, gzipBytes: 0, brotliBytes: 0 };
        for (const { file, path } of found) {
          const f = await loadFile(file, path);
          stats.files += 1;
          stats.bytes += f.identity.body.length;
          stats.gzipBytes += f.variants.gzip?.body.length ?? 0;
          stats.brotliBytes += f.variants.br?.body.length ?? 0;
          if (stats.bytes > MAX_SITE_BYTES)
            throw new StaticSiteError(`the static directory ${dir} is larger than ${MAX_SITE_BYTES} bytes`);
          files.set(path, f);
        }
        loaded = true;
        return stats;
      })();
      return loading;
    },

    handle(method, rawUrl, headers, res) {
      if (!loaded) throw new StaticSiteError('the static site is not loaded yet');
      // Absolute-form targets (proxies) are reduced to their path; origin-form is the usual case.
      let target = rawUrl;
      if (/^https?:\/\//i.test(target)) {
        const at = target.indexOf('/', target.indexOf('//') + 2);
        target = at < 0 ? '/' : target.slice(at);
      }
      const rawPath = target.split(/[?#]/, 1)[0]!;
      const segments = parseRequestPath(target);
      const decoded = segments ? `/${segments.join('/')}` : rawPath;
      if (isApiPath(rawPath) || isApiPath(decoded)) return false;
      if (method !== 'GET' && method !== 'HEAD') {
        sendJson(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
        return true;
      }
      if (!segments) {
        sendJson(res, 400, { error: 'bad path' });
        return true;
      }
      const exact = decoded === '/' ? files.get('/index.html') : files.get(decoded);
      if (exact) {
        send(method, exact, headers, res);
        return true;
      }
      // An app route (no file extension) gets the shell; a missing file is a 404, never the shell.
      if (isSpaRoute(decoded)) {
        send(method, files.get('/index.html')!, headers, res);
        return true;
      }
      sendJson(res, 404, { error: 'not found' });
      return true;
    },
  };
}
