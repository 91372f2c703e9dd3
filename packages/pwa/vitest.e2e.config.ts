import { defineConfig } from 'vitest/config';

/** End-to-end tests: real processes and Debian Chromium; run with `npm run test:e2e`. */
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
