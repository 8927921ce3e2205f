// Series colours: a qualitative palette that stays distinguishable for the common colour-vision
// deficiencies and readable as a thin line on white — Okabe & Ito's colours (without their
// yellow, too pale on white) followed by three of Paul Tol's. A series keeps its colour across
// charts and reloads because the colour comes from its id, not from its position.

export const palette = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#332288', // indigo (Tol)
  '#882255', // wine (Tol)
  '#999933', // olive (Tol)
  '#4D4D4D', // dark grey, last: it reads as "other"
] as const;

/** FNV-1a over the id's UTF-16 code units: small, fast, and the same in every session. */
export function hashId(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The colour an id prefers. */
export function paletteColor(id: string): string {
  return palette[hashId(id) % palette.length];
}

/**
 * A colour for each id, distinct while there are no more ids than colours. Each id takes the
 * colour it prefers unless an id before it (in sorted order, so the order the ids come in does
 * not matter) took it already; then the next free one. The same set of ids always gets the same
 * colours, and adding an id moves at most the ids it collides with.
 */
export function assignColors(ids: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  const taken = new Set<number>();
  for (const id of [...new Set(ids)].sort()) {
    let index = hashId(id) % palette.length;
    if (taken.size < palette.length) {
      while (taken.has(index)) index = (index + 1) % palette.length;
      taken.add(index);
    }
    colors.set(id, palette[index]);
  }
  return colors;
}

/** `#rrggbb` (or `#rgb`) with an alpha, as rgba(); other colour strings come back unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color);
  const hex = short ? `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}` : color;
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return color;
  const [r, g, b] = match.slice(1).map((h) => parseInt(h, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
