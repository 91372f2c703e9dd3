import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2 CPU cores on CI; the exposition tests spawn promtool and the sim exchange.
    maxWorkers: 2,
  },
});
