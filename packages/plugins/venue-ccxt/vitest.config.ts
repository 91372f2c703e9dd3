import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // 2 CPU cores: few workers keep the network tests' timing honest.
    maxWorkers: 2,
  },
});
