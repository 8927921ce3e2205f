import { describe, expect, it } from 'vitest';
import { csvField, seriesToCsv } from '../../../renderer/src/lib/csv.ts';

describe('CSV of chart series (csv.ts)', () => {
  it('quotes fields that need it and writes numbers in full', () => {
    expect(csvField('adam, lr=0.1')).toBe('"adam, lr=0.1"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(1e-9)).toBe('1e-9');
    expect(csvField(null)).toBe('');
    expect(csvField(NaN)).toBe('');
  });

  it('writes one row per point, with band columns when a series has a band', () => {
    const csv = seriesToCsv(
      [
        { label: 'adam', x: [0, 1], y: [1, null], band: { lower: [0.5, null], upper: [1.5, null] } },
        { label: 'sgd', x: [0], y: [2] },
      ],
      'step',
    );
    expect(csv).toBe('series,step,y,lower,upper\nadam,0,1,0.5,1.5\nadam,1,,,\nsgd,0,2,,\n');
    expect(seriesToCsv([{ label: 'a', x: [3], y: [4] }])).toBe('series,x,y\na,3,4\n');
  });
});
