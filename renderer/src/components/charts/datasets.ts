// The Chart.js datasets of one series. A series is up to four datasets, drawn bottom to top:
// its band (lower edge, then upper edge filled down to it), its raw curve faded behind the
// smoothed one, and its main curve (the smoothed curve, or the raw one when smoothing is off).
// Each dataset carries the series id and its role, so the legend, the tooltip and the end-to-end
// tests can tell them apart (`labChart.data.datasets[i].role`).
import type { ChartDataset } from 'chart.js';
import type { ChartPoint, SeriesData } from '../../lib/seriesData.ts';
import { withAlpha } from '../../lib/palette.ts';

export type DatasetRole = 'band-lower' | 'band-upper' | 'raw' | 'main';

export type LabDataset = ChartDataset<'line', ChartPoint[]> & { seriesId: string; role: DatasetRole };

export interface SeriesLook {
  id: string;
  label: string;
  color: string;
  /** Dashed when the palette ran out and the colour is a second series'. */
  dashed: boolean;
  hidden: boolean;
}

/** Drawing order (Chart.js draws higher `order` first, i.e. underneath). */
const order: Record<DatasetRole, number> = { 'band-lower': 3, 'band-upper': 3, raw: 2, main: 1 };

function dataset(look: SeriesLook, role: DatasetRole, data: ChartPoint[]): LabDataset {
  return {
    type: 'line',
    seriesId: look.id,
    role,
    label: look.label,
    data,
    order: order[role],
    hidden: look.hidden,
    borderColor: look.color,
    backgroundColor: look.color,
    borderWidth: 1.5,
    borderDash: look.dashed ? [6, 3] : [],
    fill: false,
    pointRadius: 0,
    pointHitRadius: 0,
    pointHoverRadius: role === 'main' ? 3 : 0,
  };
}

/** The datasets of one series, in the order their `fill` references need. */
export function seriesDatasets(
  look: SeriesLook,
  data: SeriesData,
  smoothing: boolean,
  logFloor: number,
): LabDataset[] {
  const out: LabDataset[] = [];
  if (data.band) {
    const { lower, upper } = data.bandPoints(logFloor);
    const edge = { borderWidth: 0, borderDash: [], backgroundColor: withAlpha(look.color, 0.12) };
    out.push({ ...dataset(look, 'band-lower', lower), ...edge });
    // '-1': fill down to the dataset just before this one, the band's lower edge.
    out.push({ ...dataset(look, 'band-upper', upper), ...edge, fill: '-1' });
  }
  if (smoothing) {
    out.push({ ...dataset(look, 'raw', data.raw), borderColor: withAlpha(look.color, 0.22), borderWidth: 1 });
    out.push({ ...dataset(look, 'main', data.smoothed), borderWidth: 2 });
  } else {
    out.push(dataset(look, 'main', data.raw));
  }
  return out;
}
