// What a worker reports about a run, as entries of the run's Redis stream, and how the
// coordinator reads them back. One stream per job; every entry names the attempt that wrote it
// (a worker's pickup of the job) and its number within that attempt, so the coordinator can drop
// what a superseded attempt still sends and what a reconnect sent twice. Metric points travel as
// the packed Float64Array the run worker produced (little-endian bytes: the same bits arrive).
import type { Redis } from 'ioredis';
import type { RunExit, WrittenArtifact } from '../lab/runExecutor.ts';
import type { RunEnvironment } from '../store/records.ts';
import { queueKeys } from './queueKeys.ts';

export type RunEvent =
  | { type: 'started'; environment: RunEnvironment; fromStep: number; worker: string }
  | { type: 'metrics'; names: string[]; packed: Float64Array }
  | { type: 'checkpoint'; step: number; data: Buffer }
  | { type: 'artifact'; artifact: Omit<WrittenArtifact, 'path'>; data: Buffer }
  /** Something the coordinator should log (a resume, a retry on another machine). */
  | { type: 'note'; message: string }
  /** This attempt failed; BullMQ retries it (or fails the job after its last attempt). */
  | { type: 'attemptFailed'; reason: string; attempt: number; attempts: number }
  | { type: 'exit'; exit: RunExit };

export interface StreamEntry {
  id: string;
  /** The attempt that wrote it: `<worker name>#<pickup>`. */
  attempt: string;
  /** Its number within the attempt, from 1. */
  seq: number;
  event: RunEvent;
}

if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) {
  throw new Error('the run queue sends metric points as little-endian float64; this machine is big-endian');
}

function bytesOf(packed: Float64Array): Buffer {
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
}

function float64sOf(data: Buffer): Float64Array {
  // A copy: the Buffer may sit at an offset that is not a multiple of 8 in a shared pool.
  const copy = new Uint8Array(data.length);
  copy.set(data);
  return new Float64Array(copy.buffer);
}

/** The entry's fields: small JSON, and the bytes (metrics, checkpoint, artifact) beside it. */
function encode(event: RunEvent): { json: string; data?: Buffer } {
  switch (event.type) {
    case 'metrics':
      return { json: JSON.stringify({ type: event.type, names: event.names }), data: bytesOf(event.packed) };
    case 'checkpoint':
      return { json: JSON.stringify({ type: event.type, step: event.step }), data: event.data };
    case 'artifact':
      return { json: JSON.stringify({ type: event.type, artifact: event.artifact }), data: event.data };
    default:
      return { json: JSON.stringify(event) };
  }
}

function decode(json: string, data: Buffer | undefined): RunEvent {
  const head = JSON.parse(json) as RunEvent;
  switch (head.type) {
    case 'metrics':
      return { ...head, packed: float64sOf(data ?? Buffer.alloc(0)) };
    case 'checkpoint':
    case 'artifact':
      return { ...head, data: data ?? Buffer.alloc(0) };
    default:
      return head;
  }
}

// A superseded attempt that is still running (a worker cut off from Redis for longer than its
// lock) must not replace a newer checkpoint with an older one.
const keepNewerCheckpoint = `
local current = tonumber(redis.call('HGET', KEYS[1], 'step') or '-1')
if current < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'step', ARGV[1], 'data', ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`;

/** The worker's side: appends one attempt's events, in order, to the run's stream. */
export class RunEventWriter {
  private readonly redis: Redis;
  private readonly jobId: string;
  readonly attempt: string;
  private readonly keepSeconds: number;
  private seq = 0;

  constructor(redis: Redis, jobId: string, attempt: string, keepSeconds: number) {
    this.redis = redis;
    this.jobId = jobId;
    this.attempt = attempt;
    this.keepSeconds = keepSeconds;
  }

  /**
   * Appends `event`. A checkpoint also becomes the run's newest checkpoint (in the same
   * transaction), which is what a retry on another worker resumes from.
   */
  async write(event: RunEvent): Promise<void> {
    const { json, data } = encode(event);
    const fields: (string | Buffer)[] = ['attempt', this.attempt, 'seq', String(++this.seq), 'json', json];
    if (data) fields.push('data', data);
    const key = queueKeys.events(this.jobId);
    const transaction = this.redis
      .multi()
      .xadd(key, '*', ...fields)
      .expire(key, this.keepSeconds);
    if (event.type === 'checkpoint') {
      transaction.eval(
        keepNewerCheckpoint,
        1,
        queueKeys.checkpoint(this.jobId),
        String(event.step),
        event.data,
        String(this.keepSeconds),
      );
    }
    const results = await transaction.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0]!;
  }
}

/** Parses entries as XREAD returns them with Buffer replies. */
export function parseStreamEntries(raw: [Buffer, Buffer[]][]): StreamEntry[] {
  return raw.map(([id, fieldList]) => {
    const fields = new Map<string, Buffer>();
    for (let i = 0; i + 1 < fieldList.length; i += 2) fields.set(fieldList[i].toString(), fieldList[i + 1]);
    return {
      id: id.toString(),
      attempt: fields.get('attempt')?.toString() ?? '',
      seq: Number(fields.get('seq')?.toString() ?? 0),
      event: decode(
        fields.get('json')?.toString() ?? '{"type":"note","message":"empty entry"}',
        fields.get('data'),
      ),
    };
  });
}

/** The newest checkpoint a run's attempts left (or the coordinator put there to resume from). */
export async function readLatestCheckpoint(
  redis: Redis,
  jobId: string,
): Promise<{ step: number; data: Buffer } | null> {
  const [step, data] = await redis.hmgetBuffer(queueKeys.checkpoint(jobId), 'step', 'data');
  if (step === null || data === null) return null;
  return { step: Number(step.toString()), data };
}

export async function writeLatestCheckpoint(
  redis: Redis,
  jobId: string,
  step: number,
  data: Buffer,
  keepSeconds: number,
): Promise<void> {
  const key = queueKeys.checkpoint(jobId);
  await redis.multi().hset(key, 'step', String(step), 'data', data).expire(key, keepSeconds).exec();
}
