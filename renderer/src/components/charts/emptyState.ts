// A chart with nothing to draw says so inside its plot area ("No points yet") instead of showing
// a blank box that looks broken. It is drawn on the canvas so an exported PNG says it too.
import type { Chart, ChartType, Plugin } from 'chart.js';

export interface EmptyStateOptions {
  /** The line to show; null when there is something to draw. */
  message: string | null;
  color?: string;
  font?: string;
}

declare module 'chart.js' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    emptyState?: EmptyStateOptions;
  }
}

export const emptyStatePlugin: Plugin<'line', EmptyStateOptions> = {
  id: 'emptyState',
  defaults: { message: null },
  afterDraw(chart: Chart, _args, options) {
    if (!options.message) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.fillStyle = options.color ?? '#5b6670';
    ctx.font = options.font ?? '14px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    // Word-wrapped to the plot's width: a small chart in a grid must not clip its message.
    const lines: string[] = [];
    for (const word of options.message.split(' ')) {
      const line = lines.length > 0 ? `${lines[lines.length - 1]} ${word}` : word;
      if (lines.length > 0 && ctx.measureText(line).width <= chartArea.width - 16)
        lines[lines.length - 1] = line;
      else lines.push(word);
    }
    const x = (chartArea.left + chartArea.right) / 2;
    const top = (chartArea.top + chartArea.bottom) / 2 - ((lines.length - 1) * 18) / 2;
    lines.forEach((line, i) => ctx.fillText(line, x, top + i * 18));
    ctx.restore();
  },
};
