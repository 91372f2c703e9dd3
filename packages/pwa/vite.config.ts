import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';
import { VitePWA, type ManifestOptions } from 'vite-plugin-pwa';

/** The web app manifest: what makes the PWA installable (name, icons, standalone display, start URL). */
const manifest: Partial<ManifestOptions> = {
  name: 'VeloZ Operator',
  short_name: 'VeloZ',
  description: 'Trading health at a glance: engine, venues, WAL, reconciliation, order flow and latency.',
  id: '/',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  orientation: 'any',
  background_color: '#0b1220',
  theme_color: '#0b1220',
  icons: [
    { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
    { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    { src: '/icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
  ],
};

/** The API the dev server proxies to; in production the API serves this build itself. */
const api = process.env.VELOZ_API_URL ?? `http://127.0.0.1:${process.env.VELOZ_API_PORT || '8080'}`;
/** The dev server's port (scripts/dev.sh sets it; `VELOZ_API_URL` cannot be shared with the API process). */
const devPort = Number(process.env.VELOZ_PWA_PORT || 5173);

export default defineConfig({
  plugins: [
    solid(),
    VitePWA({
      // A few lines of plain script register the worker: no workbox-window in the initial bundle.
      injectRegister: 'script-defer',
      registerType: 'autoUpdate',
      includeAssets: ['icons/icon.svg', 'icons/apple-touch-icon.png'],
      manifest,
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: '/index.html',
        // GraphQL (GET queries and the ws upgrade), REST and metrics always go to the network.
        navigateFallbackDenylist: [/^\/graphql/, /^\/api(\/|$)/, /^\/metrics/],
        cleanupOutdatedCaches: true,
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  server: {
    host: '127.0.0.1',
    port: devPort,
    strictPort: true,
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/api': { target: api, changeOrigin: true },
      '/metrics': { target: api, changeOrigin: true },
    },
  },
  preview: {
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/api': { target: api, changeOrigin: true },
      '/metrics': { target: api, changeOrigin: true },
    },
  },
  build: { target: 'es2022', sourcemap: false },
});
