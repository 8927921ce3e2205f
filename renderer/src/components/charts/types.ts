// What a chart draws, independent of where it came from (a run's metric, a comparison's groups,
// a report): one curve per series, optionally with a band around it, on a shared x.

export interface ChartBand {
  /** The band's lower edge, point by point with the series' x (null: no band at that point). */
  lower: (number | null)[];
  upper: (number | null)[];
}

export interface ChartSeries {
  /** Stable identity: it picks the colour and is what `append` names. */
  id: string;
  label: string;
  /** A CSS colour; by default one from the palette, chosen by id. */
  color?: string;
  /** Ascending (steps, or seconds since the run's first point). */
  x: number[];
  /** null: no value at that x (the line spans over it). */
  y: (number | null)[];
  band?: ChartBand;
}

export type YScale = 'linear' | 'log';
/** What x means: the training step, or wall time (the parent converts x accordingly). */
export type XAxis = 'step' | 'wall';
