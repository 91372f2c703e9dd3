import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // 2 CPU cores: the e2e files start several processes each; run files one at a time.
    fileParallelism: false,
  },
});
