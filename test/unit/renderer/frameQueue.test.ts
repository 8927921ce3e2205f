import { describe, expect, it } from 'vitest';
import { FrameQueue } from '../../../renderer/src/lib/frameQueue.ts';

/** Animation frames every 16 ms on a clock the test moves; a flush can take time on it. */
function fakeFrames() {
  const callbacks = new Map<number, () => void>();
  let next = 1;
  const clock = { t: 0 };
  return {
    clock,
    request: (cb: () => void) => (callbacks.set(next, cb), next++),
    cancel: (handle: number) => void callbacks.delete(handle),
    now: () => clock.t,
    pending: () => callbacks.size,
    tick() {
      clock.t += 16;
      const due = [...callbacks.values()];
      callbacks.clear();
      due.forEach((cb) => cb());
    },
  };
}

describe('once per frame (frameQueue.ts)', () => {
  it('flushes everything queued in a frame with one call', () => {
    const frames = fakeFrames();
    const flushed: number[][] = [];
    const queue = new FrameQueue<number>((items) => flushed.push(items), frames);
    for (let i = 0; i < 1000; i++) queue.push(i);
    expect(frames.pending()).toBe(1);
    frames.tick();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]).toHaveLength(1000);
    queue.push(5);
    frames.tick();
    expect(flushed).toEqual([expect.any(Array), [5]]);
  });

  it('runs now on demand, and drops its work when disposed', () => {
    const frames = fakeFrames();
    const flushed: string[][] = [];
    const queue = new FrameQueue<string>((items) => flushed.push(items), frames);
    queue.push('a');
    queue.runNow();
    expect(flushed).toEqual([['a']]);
    frames.tick(); // the frame after a flush only measures what it cost
    expect(frames.pending()).toBe(0);
    queue.push('b');
    queue.dispose();
    frames.tick();
    expect(flushed).toEqual([['a']]);
  });

  it('spaces out slow flushes of non-urgent work, but not urgent work', () => {
    const frames = fakeFrames();
    const at: number[] = [];
    // Each flush takes 40 ms; at most half the time may go to flushing.
    const queue = new FrameQueue<number>(
      () => {
        at.push(frames.clock.t);
        frames.clock.t += 40;
      },
      { ...frames, maxDuty: 0.5, minInterval: 30 },
    );
    for (let frame = 0; frame < 20; frame++) {
      queue.push(frame);
      frames.tick();
    }
    // Flushes start ≥ 80 ms apart (40 ms / 0.5), so at most every few frames.
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(gaps.every((g) => g >= 80)).toBe(true);
    expect(at.length).toBeLessThan(10);

    const before = at.length;
    queue.push(99, true);
    frames.tick();
    expect(at.length).toBe(before + 1);
  });

  it('waits at least minInterval between quick flushes', () => {
    const frames = fakeFrames();
    const at: number[] = [];
    const queue = new FrameQueue<number>(() => at.push(frames.clock.t), { ...frames, minInterval: 33 });
    for (let frame = 0; frame < 12; frame++) {
      queue.push(frame);
      frames.tick();
    }
    expect(at).toEqual([16, 64, 112, 160]);
  });

  it("counts the browser's time to show a flush (up to the next frame) in its cost", () => {
    const frames = fakeFrames();
    const at: number[] = [];
    let rasterising = false;
    const queue = new FrameQueue<number>(
      () => {
        at.push(frames.clock.t);
        frames.clock.t += 5; // quick to update...
        rasterising = true;
      },
      { ...frames, maxDuty: 0.5 },
    );
    for (let frame = 0; frame < 30; frame++) {
      queue.push(frame);
      if (rasterising) frames.clock.t += 60; // ...slow to show
      rasterising = false;
      frames.tick();
    }
    // Each flush's frame costs 5 + 60 + 16 ms: flushes come ≥ 2 × 81 ms apart.
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(gaps.every((g) => g >= 162)).toBe(true);
  });
});
