import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // rebuilds dist/ when src/ is newer (the CLI, demo and browser tests load dist/)
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Interop tests spawn real nanocat/nngcat processes; a stray one must never keep the run alive.
    teardownTimeout: 5_000,
  },
});
