import { defineConfig } from 'vitest/config';

// One runner for every kind of test: unit, native, integration and end-to-end (Playwright
// driving Debian's Chromium). The JSON report is what .ci/run totals.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    // Tests compile afresh: the on-disk program cache (engine/compile/programCache.ts) stays out of
    // the user's cache directory, and its own tests turn it on with a directory of their own.
    env: { LAB_PROGRAM_CACHE: 'off' },
  },
});
