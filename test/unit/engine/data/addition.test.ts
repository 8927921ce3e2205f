import { describe, expect, it } from 'vitest';
import {
  ADDITION_EOS,
  ADDITION_PAD,
  countCarries,
  decodeAdditionIds,
  encodeAddition,
  encodeAdditionText,
  generateAddition,
} from '../../../../engine/data/addition.ts';

/** Column addition on decimal strings, counting carries: an independent reference. */
function schoolbook(a: number, b: number): { sum: string; carries: number } {
  const x = String(a).split('').reverse();
  const y = String(b).split('').reverse();
  let carry = 0;
  let carries = 0;
  let out = '';
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const s = Number(x[i] ?? 0) + Number(y[i] ?? 0) + carry;
    out = String(s % 10) + out;
    carry = s >= 10 ? 1 : 0;
    carries += carry;
  }
  return { sum: carry ? `1${out}` : out, carries };
}

describe('n-digit addition', () => {
  it('writes correct "a+b=sum" strings with operands of exactly the asked digits', () => {
    const problems = generateAddition(500, { digits: [3, 2], seed: 1 });
    for (const p of problems) {
      expect(String(p.a)).toHaveLength(3);
      expect(String(p.b)).toHaveLength(2);
      const ref = schoolbook(p.a, p.b);
      expect(p.text).toBe(`${p.a}+${p.b}=${ref.sum}`);
      expect(p.carries).toBe(ref.carries);
    }
    expect(countCarries(999, 1)).toBe(3);
    expect(countCarries(123, 456)).toBe(0);
  });

  it('draws uniform digits when carries are free', () => {
    const problems = generateAddition(3000, { digits: 2, seed: 2 });
    const firstDigits = new Array<number>(10).fill(0);
    const lastDigits = new Array<number>(10).fill(0);
    for (const p of problems) {
      firstDigits[Math.floor(p.a / 10)]++;
      lastDigits[p.b % 10]++;
    }
    expect(firstDigits[0]).toBe(0);
    firstDigits.slice(1).forEach((c) => expect(Math.abs(c - 3000 / 9)).toBeLessThan(80));
    lastDigits.forEach((c) => expect(Math.abs(c - 300)).toBeLessThan(75));
  });

  it('gives exactly the requested number of carries, from none to every position', () => {
    for (const carries of [0, 1, 2, 4]) {
      for (const p of generateAddition(200, { digits: 4, carries, seed: 3 })) {
        expect(schoolbook(p.a, p.b).carries).toBe(carries);
        expect(String(p.a)).toHaveLength(4);
      }
    }
    const mixed = generateAddition(100, { digits: [4, 1], carries: 3, seed: 4 });
    mixed.forEach((p) => expect(schoolbook(p.a, p.b).carries).toBe(3));
  });

  it('is reproducible per seed', () => {
    const a = generateAddition(20, { digits: 5, seed: 9 }).map((p) => p.text);
    expect(generateAddition(20, { digits: 5, seed: 9 }).map((p) => p.text)).toEqual(a);
    expect(generateAddition(20, { digits: 5, seed: 10 }).map((p) => p.text)).not.toEqual(a);
  });

  it('encodes to padded int32 rows with EOS and decodes back', () => {
    const problems = generateAddition(3, { digits: [3, 1], seed: 5 });
    const { tokens, promptLength } = encodeAddition(problems, 12);
    expect(tokens.shape).toEqual([3, 12]);
    expect(tokens.dtype).toBe('int32');
    problems.forEach((p, n) => {
      const row = Array.from(tokens.data.subarray(n * 12, (n + 1) * 12));
      expect(decodeAdditionIds(row)).toBe(p.text);
      expect(row[p.text.length]).toBe(ADDITION_EOS);
      expect(row.slice(p.text.length + 1).every((id) => id === ADDITION_PAD)).toBe(true);
      expect(promptLength.data[n]).toBe(6); // "ddd+d="
    });
    expect(encodeAdditionText('10+2=12')).toEqual([3, 2, 12, 4, 13, 3, 4]);
  });

  it('rejects impossible requests with the reason', () => {
    expect(() => generateAddition(1, { digits: 3, carries: 4, seed: 1 })).toThrow(
      /carries must be an integer in \[0, 3\]/,
    );
    expect(() => generateAddition(1, { digits: 16, seed: 1 })).toThrow(
      /digits must be integers in \[1, 15\]/,
    );
    expect(() => encodeAddition(generateAddition(1, { digits: 3, seed: 1 }), 4)).toThrow(
      /width 4 is shorter/,
    );
    expect(() => encodeAdditionText('1-2')).toThrow(/"-" in "1-2"/);
  });
});
