// The view state of one report chart, which a page may keep (v-model:chart-state on ReportView).
import type { YScale } from '../charts/types.ts';

export interface ReportChartState {
  smoothing: number;
  yScale: YScale;
}
