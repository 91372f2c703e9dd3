import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2 CPU cores on CI, and the sim-exchange tests spawn processes: run files one at a time.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
