// A chart as a PNG someone can paste into a paper or a chat: on white (the canvas itself is
// transparent, which turns black in some viewers), with the title above and the legend below —
// both are HTML in the app, so they are drawn here onto an offscreen canvas around the chart.

export interface LegendEntry {
  label: string;
  color: string;
  dashed: boolean;
}

export interface PngInput {
  canvas: HTMLCanvasElement;
  /** Device pixels per CSS pixel of `canvas`. */
  pixelRatio: number;
  title?: string;
  legend: LegendEntry[];
  font: string;
  textColor: string;
}

const pad = 12;
const lineHeight = 18;
const swatch = 18;

/** Legend entries laid out in rows that fit `width` (CSS pixels). */
function legendRows(ctx: CanvasRenderingContext2D, legend: LegendEntry[], width: number): LegendEntry[][] {
  const rows: LegendEntry[][] = [];
  let row: LegendEntry[] = [];
  let used = 0;
  for (const entry of legend) {
    const w = swatch + 6 + ctx.measureText(entry.label).width + 16;
    if (row.length > 0 && used + w > width - 2 * pad) {
      rows.push(row);
      row = [];
      used = 0;
    }
    row.push(entry);
    used += w;
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

/** The chart with its title and legend on white, as a data: URL. */
export function chartPng(input: PngInput): string {
  const { canvas, pixelRatio: r } = input;
  const width = canvas.width / r;
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  if (!ctx) return canvas.toDataURL('image/png');
  const legendFont = `12px ${input.font}`;
  ctx.font = legendFont;
  const rows = input.legend.length > 1 ? legendRows(ctx, input.legend, width) : [];
  const titleHeight = input.title ? lineHeight + pad : pad / 2;
  const legendHeight = rows.length > 0 ? rows.length * lineHeight + pad : 0;
  const height = titleHeight + canvas.height / r + legendHeight + pad / 2;

  out.width = Math.round(width * r);
  out.height = Math.round(height * r);
  ctx.scale(r, r);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = 'middle';
  if (input.title) {
    ctx.fillStyle = input.textColor;
    ctx.font = `600 14px ${input.font}`;
    ctx.fillText(input.title, pad, pad / 2 + lineHeight / 2);
  }
  ctx.drawImage(canvas, 0, titleHeight, canvas.width / r, canvas.height / r);

  ctx.font = legendFont;
  let y = titleHeight + canvas.height / r + pad / 2 + lineHeight / 2;
  for (const row of rows) {
    let x = pad;
    for (const entry of row) {
      ctx.strokeStyle = entry.color;
      ctx.lineWidth = 2.5;
      ctx.setLineDash(entry.dashed ? [6, 3] : []);
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x + swatch, y);
      ctx.stroke();
      ctx.fillStyle = input.textColor;
      ctx.fillText(entry.label, x + swatch + 6, y);
      x += swatch + 6 + ctx.measureText(entry.label).width + 16;
    }
    y += lineHeight;
  }
  return out.toDataURL('image/png');
}
