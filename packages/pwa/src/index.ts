/**
 * @veloz/pwa for Node: where the built PWA lives and how the API should serve it (static files, SPA
 * fallback, cache headers). The browser app itself starts at `src/main.tsx` and is built by Vite.
 */
import { fileURLToPath } from 'node:url';

/** Absolute path of the built PWA (`npm run build -w @veloz/pwa` writes it). */
export const pwaDistDir: string = fileURLToPath(new URL('../dist', import.meta.url));

/** Path prefixes the SPA fallback must leave alone (the service worker's navigation denylist too). */
export const NETWORK_ONLY_PREFIXES: readonly string[] = ['/graphql', '/api', '/metrics'];

/** True when a GET for `path` should be answered with index.html (an app route, not a file or the API). */
export function isSpaRoute(path: string): boolean {
  if (NETWORK_ONLY_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`)))
    return false;
  const last = path.split('?')[0]!.split('/').pop() ?? '';
  return !last.includes('.');
}

/**
 * The Cache-Control header for a file of the build: content-hashed assets are immutable for a year;
 * the shell, the service worker and the manifest are always revalidated so that updates reach phones.
 */
export function cacheControlFor(path: string): string {
  if (path.startsWith('/assets/')) return 'public, max-age=31536000, immutable';
  if (path.startsWith('/icons/')) return 'public, max-age=86400';
  return 'no-cache';
}
