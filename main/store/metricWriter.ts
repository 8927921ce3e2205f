// Metric ingest: points are buffered and committed in one transaction every ~100 ms (and on
// flush/close). One transaction per batch instead of one per point is what makes hundreds of
// thousands of points per second possible; WAL makes each committed batch survive a kill.
import type { Database, Statement } from 'better-sqlite3';

export interface MetricWriterOptions {
  /** How long points may wait in memory before they are committed. */
  intervalMs?: number;
  /** Called after each commit with the number of points committed so far. */
  onCommit?: (committedPoints: number) => void;
}

export class MetricWriter {
  private readonly insert: Statement;
  private readonly commitBatch: () => void;
  private readonly timer: NodeJS.Timeout;
  private readonly onCommit: ((committedPoints: number) => void) | undefined;
  private runIds: number[] = [];
  private names: string[] = [];
  private steps: number[] = [];
  private wallTimes: number[] = [];
  private values: number[] = [];
  private closed = false;
  /** Points committed to the database by this writer. */
  committed = 0;

  constructor(db: Database, options: MetricWriterOptions = {}) {
    // A resumed run rewrites the steps after its checkpoint: the newest value wins.
    this.insert = db.prepare(
      'INSERT OR REPLACE INTO metrics (run_id, name, step, wall_time, value) VALUES (?, ?, ?, ?, ?)',
    );
    this.commitBatch = db.transaction(() => {
      const { runIds, names, steps, wallTimes, values, insert } = this;
      for (let i = 0; i < runIds.length; i++)
        insert.run(runIds[i], names[i], steps[i], wallTimes[i], values[i]);
    });
    this.onCommit = options.onCommit;
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? 100);
    // Pending points must not keep a finished CLI alive; close() flushes them.
    this.timer.unref();
  }

  /** Number of points waiting for the next commit. */
  get pending(): number {
    return this.runIds.length;
  }

  add(runId: number, name: string, step: number, wallTime: number, value: number): void {
    if (this.closed)
      throw new Error('MetricWriter.add after close(): the writer has already flushed and stopped');
    this.runIds.push(runId);
    this.names.push(name);
    this.steps.push(step);
    this.wallTimes.push(wallTime);
    this.values.push(value);
  }

  /**
   * Adds points packed as [nameIndex, step, wallTime, value] quadruples — the form workers
   * send them in, so a batch crosses IPC as one typed array.
   */
  addPacked(runId: number, names: readonly string[], packed: Float64Array): void {
    for (let i = 0; i + 3 < packed.length; i += 4) {
      this.add(runId, names[packed[i]], packed[i + 1], packed[i + 2], packed[i + 3]);
    }
  }

  /** Commits everything pending now; returns how many points were committed. */
  flush(): number {
    const count = this.runIds.length;
    if (count === 0) return 0;
    this.commitBatch();
    this.runIds = [];
    this.names = [];
    this.steps = [];
    this.wallTimes = [];
    this.values = [];
    this.committed += count;
    this.onCommit?.(this.committed);
    return count;
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    this.flush();
    this.closed = true;
  }
}
