// Work that arrives faster than the screen redraws (live points, slider moves) is collected and
// done at most once per animation frame: eight series receiving points a thousand times a second
// cost one chart update per frame, not eight thousand updates a second.
//
// Live appends are not urgent: they are flushed at most every `minInterval` ms, and never more
// than `maxDuty` of the time. A flush's cost is measured up to the next frame, so it includes
// what the browser did to show it (rasterising thick antialiased lines on a canvas without GPU
// can cost more than the update itself): after a frame that took d ms the next flush waits until
// d / maxDuty ms after that frame started. A chart whose updates take 40 ms then refreshes about
// ten times a second and leaves the frames between to scrolling, typing and the other charts,
// instead of taking every frame. Urgent work (the user moved a control) goes out at the next frame.

export interface FrameQueueOptions {
  /** Least time between the starts of two flushes of non-urgent work, ms (default 0). */
  minInterval?: number;
  /** Largest share of the time flushes may take (default 1: no limit). */
  maxDuty?: number;
  request?: (callback: () => void) => number;
  cancel?: (handle: number) => void;
  now?: () => number;
}

export class FrameQueue<T> {
  private items: T[] = [];
  private urgent = false;
  private frame: number | null = null;
  private notBefore = -Infinity;
  /** When the last flush started, until the frame after it has measured what it cost. */
  private measuring: number | null = null;
  private readonly flush: (items: T[]) => void;
  private readonly minInterval: number;
  private readonly maxDuty: number;
  private readonly request: (callback: () => void) => number;
  private readonly cancel: (handle: number) => void;
  private readonly now: () => number;

  constructor(flush: (items: T[]) => void, options: FrameQueueOptions = {}) {
    this.flush = flush;
    this.minInterval = options.minInterval ?? 0;
    this.maxDuty = options.maxDuty ?? 1;
    this.request = options.request ?? ((cb) => requestAnimationFrame(cb));
    this.cancel = options.cancel ?? ((handle) => cancelAnimationFrame(handle));
    this.now = options.now ?? (() => performance.now());
  }

  /** Queues an item; it is flushed, with everything queued until then, at a coming frame. */
  push(item: T, urgent = false): void {
    this.items.push(item);
    this.urgent ||= urgent;
    if (this.frame === null) this.frame = this.request(() => this.run(false));
  }

  /** Flushes what is queued now (e.g. before exporting what is drawn). */
  runNow(): void {
    if (this.frame !== null) this.cancel(this.frame);
    this.run(true);
  }

  /** Drops what is queued and stops (the chart is going away). */
  dispose(): void {
    if (this.frame !== null) this.cancel(this.frame);
    this.frame = null;
    this.items = [];
  }

  private run(now: boolean): void {
    this.frame = null;
    const start = this.now();
    if (this.measuring !== null) {
      this.notBefore = this.measuring + Math.max(this.minInterval, (start - this.measuring) / this.maxDuty);
      this.measuring = null;
    }
    if (this.items.length === 0) return;
    if (!now && !this.urgent && start < this.notBefore) {
      this.frame = this.request(() => this.run(false));
      return;
    }
    const items = this.items;
    this.items = [];
    this.urgent = false;
    this.flush(items);
    // Until the next frame tells the whole cost, the flush's own time is what is known.
    this.notBefore = start + Math.max(this.minInterval, (this.now() - start) / this.maxDuty);
    this.measuring = start;
    if (this.frame === null) this.frame = this.request(() => this.run(false));
  }
}
