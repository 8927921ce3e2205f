// A PyTorch process kept open for the benchmark's paired rounds (bench/torchSession.py): each
// request times one workload of ../shared/bench/torch_ref.py from a fresh start. One process per
// round (torch_ref.py run whole) put the engine's timing of a workload and PyTorch's 15–20 s
// apart, and this VM's speed changes within seconds: with a session, a round times a workload on
// the engine and then in PyTorch, back to back.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { projectRoot } from '../native/paths.ts';
import { torchEnvironment, torchReferenceReady } from './torch.ts';

export interface TorchSession {
  /** Median seconds per call of `name` over `n` calls after `warm`, from a fresh start. */
  time(name: string, warm: number, n: number): Promise<number>;
  close(): void;
}

const SERVER = join(projectRoot, 'bench', 'torchSession.py');

/** Starts the session (torch on `threads` threads, `libraryPath` first on LD_LIBRARY_PATH), or
 * says why it cannot run. */
export async function openTorchSession(
  libraryPath: string | null,
  threads = 1,
): Promise<TorchSession | { missing: string }> {
  const ready = torchReferenceReady();
  if ('missing' in ready) return ready;
  const { python, script } = ready;
  const child: ChildProcessWithoutNullStreams = spawn(python, [SERVER, script, String(threads)], {
    env: torchEnvironment(threads, libraryPath),
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (what: string): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`the PyTorch session (${python} ${SERVER}) ended while ${what}:\n${stderr}`);
    return JSON.parse(value) as Record<string, unknown>;
  };
  await next('starting');
  return {
    async time(name, warm, n) {
      child.stdin.write(`${name} ${warm} ${n}\n`);
      const answer = await next(`timing ${name}`);
      if (typeof answer.seconds !== 'number') {
        throw new Error(`the PyTorch session could not time ${name}: ${String(answer.error)}`);
      }
      return answer.seconds;
    },
    close() {
      child.stdin.end();
    },
  };
}
