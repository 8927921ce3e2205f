import { describe, expect, it } from 'vitest';

describe('toolchain', () => {
  it('runs on the project’s own Node 24, whatever the system Node is', () => {
    expect(process.versions.node.startsWith('24.')).toBe(true);
  });
});
