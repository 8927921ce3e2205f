// `lab run` draws each roadmap skill's mastery beside the run's bar: five cells per skill,
// the first eight skills, and how many more there are.
import { describe, expect, it } from 'vitest';
import { skillBars } from '../../../../main/cli/progressDisplay.ts';

describe('per-skill progress bars', () => {
  it('draws mastery as five cells per skill, in the order the run logged them', () => {
    expect(skillBars({ add1: 1, add2: 0.42, add3: 0 })).toBe('add1 █████ add2 ██░░░ add3 ░░░░░');
    expect(skillBars(undefined)).toBe('');
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}`, 0.5]));
    expect(skillBars(many)).toMatch(/^s0 ███░░ .* s7 ███░░ \+2 more$/);
  });
});
