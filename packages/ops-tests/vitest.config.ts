import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // dev.sh starts five processes (Redis, sim, engine, API, vite) on 2 cores: start-up takes a while.
    testTimeout: 240_000,
    hookTimeout: 60_000,
    // One stack at a time: the scripts' tests share nothing, but the machine is small.
    fileParallelism: false,
  },
});
