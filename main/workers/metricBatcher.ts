// Worker side of metric streaming: points are packed into a Float64Array and sent every
// ~50 ms, so a fast trainer produces a few IPC messages per second, not one per step.
import type { WorkerToMain } from './protocol.ts';

export type SendToMain = (message: WorkerToMain) => Promise<void>;

export class MetricBatcher {
  private readonly send: SendToMain;
  private readonly intervalMs: number;
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  private packed: number[] = [];
  private lastSent = performance.now();

  constructor(send: SendToMain, intervalMs: number) {
    this.send = send;
    this.intervalMs = intervalMs;
  }

  record(step: number, metrics: Record<string, number>): void {
    const now = Date.now();
    for (const name in metrics) {
      let index = this.nameIndex.get(name);
      if (index === undefined) {
        index = this.names.push(name) - 1;
        this.nameIndex.set(name, index);
      }
      this.packed.push(index, step, now, metrics[name]);
    }
  }

  /** Sends what is buffered if the interval has passed; returns whether it sent. */
  async maybeFlush(): Promise<boolean> {
    if (performance.now() - this.lastSent < this.intervalMs) return false;
    await this.flush();
    return true;
  }

  /** Sends everything buffered and waits until the message has left the process. */
  async flush(): Promise<void> {
    this.lastSent = performance.now();
    if (this.packed.length === 0) return;
    const packed = Float64Array.from(this.packed);
    this.packed = [];
    await this.send({ type: 'metrics', names: [...this.names], packed });
  }
}
