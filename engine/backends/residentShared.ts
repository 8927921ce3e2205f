// Shared variables that live in a backend's memory (native arena, GPU) between calls: each
// program buffer with role `shared` gets a SharedResidence, so `get()` pulls from the backend,
// and a value changed on the host (set(), or another program took it) is uploaded before a run.
import type { SharedResidence, SharedVariable } from '../core/graph.ts';
import { NDArray } from '../core/ndarray.ts';
import type { Program } from '../compile/program.ts';
import type { NativeArray } from '../../native/program.ts';

interface Held {
  readonly variable: SharedVariable;
  readonly buffer: number;
  readonly residence: SharedResidence;
}

/** How a backend reads and writes one of its buffers. */
export interface BufferAccess {
  read(buffer: number): NativeArray;
  write(buffer: number, data: NativeArray): void;
}

export class ResidentShared {
  private readonly held: readonly Held[];
  private readonly access: BufferAccess;

  constructor(program: Program, shared: readonly SharedVariable[], access: BufferAccess) {
    this.access = access;
    this.held = program.buffers
      .filter((b) => b.role === 'shared')
      .map((b) => {
        const variable = shared[b.index];
        // The shape without pulling the value out of another program that holds it.
        const shape = variable.shape;
        const residence: SharedResidence = {
          pull: () => new NDArray(access.read(b.id), shape),
          // The backend's copy simply goes stale; the next run uploads the host value again.
          release: () => undefined,
        };
        return { variable, buffer: b.id, residence };
      });
  }

  /** Before a run: upload every value this program does not hold any more. */
  upload(): void {
    for (const h of this.held) {
      if (!h.variable.isHeldBy(h.residence)) {
        this.access.write(h.buffer, h.variable.attach(h.residence).contiguous().data);
      }
    }
  }

  /** Hands every value this program holds back to the host. */
  release(): void {
    for (const h of this.held) if (h.variable.isHeldBy(h.residence)) h.variable.set(h.variable.get());
  }
}
