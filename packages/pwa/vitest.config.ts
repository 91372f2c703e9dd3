import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';

export default defineConfig({
  plugins: [solid()],
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    // CI runs every package's tests at once on 2 cores; first renders in jsdom can take seconds then.
    testTimeout: 30_000,
  },
});
