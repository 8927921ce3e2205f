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
  },
});
