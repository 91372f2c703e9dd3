import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    // 2 CPU cores on CI: keep workers few so the Redis crash tests stay honest.
    maxWorkers: 2,
  },
});
