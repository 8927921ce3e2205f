import { describe, expect, it } from 'vitest';
import { assignColors, hashId, palette, paletteColor, withAlpha } from '../../../renderer/src/lib/palette.ts';

describe('series colours (palette.ts)', () => {
  it('gives an id the same colour every time', () => {
    expect(paletteColor('run-12-val_loss')).toBe(paletteColor('run-12-val_loss'));
    expect(hashId('adam')).toBe(hashId('adam'));
    // FNV-1a of the empty string is its offset basis: the hash is the published one.
    expect(hashId('')).toBe(0x811c9dc5);
    expect(hashId('a')).toBe(0xe40c292c);
  });

  it('assigns distinct colours while there are enough, whatever the order of the ids', () => {
    const ids = ['adam', 'sgd', 'momentum', 'rmsprop', 'adagrad', 'adamw', 'learned'];
    const colors = assignColors(ids);
    expect(new Set(colors.values()).size).toBe(ids.length);
    expect(assignColors([...ids].reverse())).toEqual(colors);
    for (const c of colors.values()) expect(palette).toContain(c);
  });

  it('keeps the colours of ids that do not collide with a new one', () => {
    const before = assignColors(['a', 'b', 'c']);
    const after = assignColors(['a', 'b', 'c', 'zzz']);
    const moved = ['a', 'b', 'c'].filter((id) => before.get(id) !== after.get(id));
    expect(moved).toEqual([]);
  });

  it('reuses colours once the palette runs out, and ignores duplicate ids', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `run-${i}`);
    const colors = assignColors([...ids, 'run-3']);
    expect(colors.size).toBe(25);
    expect(new Set(colors.values()).size).toBe(palette.length);
  });

  it('writes a colour with alpha', () => {
    expect(withAlpha('#0072B2', 0.2)).toBe('rgba(0, 114, 178, 0.2)');
    expect(withAlpha('#abc', 0.5)).toBe('rgba(170, 187, 204, 0.5)');
    expect(withAlpha('rebeccapurple', 0.5)).toBe('rebeccapurple');
  });
});
