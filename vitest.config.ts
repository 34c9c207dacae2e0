import { defineConfig } from 'vitest/config';

// Unit tests live beside the code (packages/*/src/**/*.test.ts); end-to-end tests
// that run the built binaries live in test/. Both run against real processes, so
// they get generous timeouts and separate forks.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Marks the run's processes and ends any a test left running (test/support/global-setup.mjs).
    globalSetup: ['test/support/global-setup.mjs'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
