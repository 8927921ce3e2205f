// Chart.js, registered once with only the parts the lab's charts use, so the bundle leaves the
// rest out (bar, pie, radar, time scales, the canvas legend and title — the legend and title are
// HTML, reachable by keyboard). Importing this module is what registers them.
import {
  Chart,
  Decimation,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import { emptyStatePlugin } from './emptyState.ts';
import './seriesInteraction.ts';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Filler,
  Tooltip,
  Decimation,
  zoomPlugin,
  emptyStatePlugin,
);

export { Chart };
