import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['./test/support/build-once.ts'],
    reporters: ['./test/support/count-reporter.ts'],
    env: { METADATA_SERVER_DETECTION: 'none' },
  },
});
