import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // One file per core (vitest's default, one fewer, runs a 2-core machine one file at a time).
    // Most files wait on real processes, sockets and timers; more than that overloaded a busy
    // 2-core machine until end-to-end timeouts ran out, for little gain.
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['./test/support/build-once.ts'],
    reporters: ['./test/support/count-reporter.ts'],
    env: { METADATA_SERVER_DETECTION: 'none' },
  },
});
