// Which points a tooltip shows: every visible series' main curve at the x under the pointer
// (TensorBoard's reading of a chart), not the one nearest point of Chart.js's 'nearest' mode nor
// the shared index of its 'index' mode — series here have different x, and an index means nothing.
// Each curve is searched by bisection over its drawn (decimated) points, so hovering stays cheap.
import { Interaction, type ActiveElement, type Chart, type InteractionModeFunction } from 'chart.js';
import { getRelativePosition } from 'chart.js/helpers';
import { nearestIndexByX } from '../../lib/nearestPoint.ts';
import type { LabDataset } from './datasets.ts';

declare module 'chart.js' {
  interface InteractionModeMap {
    seriesAtX: InteractionModeFunction;
  }
}

/** A series whose curve ends this many pixels before the pointer is not "at" the pointer. */
const reach = 12;

export const seriesAtX: InteractionModeFunction = (chart: Chart, event) => {
  const at = getRelativePosition(event, chart);
  const area = chart.chartArea;
  if (at.x < area.left || at.x > area.right || at.y < area.top || at.y > area.bottom) return [];
  const items: ActiveElement[] = [];
  for (const meta of chart.getSortedVisibleDatasetMetas()) {
    if ((chart.data.datasets[meta.index] as LabDataset).role !== 'main') continue;
    const points = meta.data;
    const index = nearestIndexByX(points, at.x);
    if (index < 0 || at.x < points[0].x - reach || at.x > points[points.length - 1].x + reach) continue;
    items.push({ element: points[index], datasetIndex: meta.index, index });
  }
  return items;
};

Interaction.modes.seriesAtX = seriesAtX;
