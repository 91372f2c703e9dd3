/**
 * Build the benchmarks' reference shell (`bench/reference-shell/`: Solid + urql + graphql-ws +
 * vite-plugin-pwa, one query and one subscription) with the same Vite plugins as the PWA, into
 * node_modules/.cache (not committed). The bundle-size and Lighthouse benchmarks measure it in the same
 * run as the PWA, as their reference.
 */
import { resolve } from 'node:path';
import { build } from 'vite';
import solid from 'vite-plugin-solid';
import { VitePWA } from 'vite-plugin-pwa';

const pkgDir = resolve(import.meta.dirname, '..');

/** Build the shell; returns its output directory (index.html and assets, like the PWA's `dist/`). */
export async function buildReferenceShell(): Promise<string> {
  const outDir = resolve(pkgDir, 'node_modules/.cache/veloz-reference-shell');
  await build({
    configFile: false,
    root: resolve(pkgDir, 'bench/reference-shell'),
    publicDir: resolve(pkgDir, 'public'),
    logLevel: 'error',
    plugins: [
      solid(),
      VitePWA({
        injectRegister: 'script-defer',
        registerType: 'autoUpdate',
        manifest: {
          name: 'Reference shell',
          short_name: 'Shell',
          start_url: '/',
          display: 'standalone',
          background_color: '#0b1220',
          theme_color: '#0b1220',
          icons: [
            { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
            { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          ],
        },
        workbox: {
          globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
          navigateFallback: '/index.html',
        },
      }),
    ],
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}
