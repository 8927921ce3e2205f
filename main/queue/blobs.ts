// Files a run reads travel through Redis as content-addressed blobs: a worker on another machine
// cannot open the coordinator's paths. Keyed by SHA-256, so the mentor twenty students read is
// uploaded once, and a worker checks that it got exactly the bytes the coordinator had.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { queueKeys } from './queueKeys.ts';

export interface BlobReference {
  sha256: string;
  bytes: number;
}

/** Stores `data` (if not there yet) and keeps it for `keepSeconds` from now. */
export async function putBlob(redis: Redis, data: Buffer, keepSeconds: number): Promise<BlobReference> {
  const sha256 = createHash('sha256').update(data).digest('hex');
  const key = queueKeys.blob(sha256);
  const created = await redis.set(key, data, 'EX', keepSeconds, 'NX');
  if (created === null) await redis.expire(key, keepSeconds);
  return { sha256, bytes: data.length };
}

/** The blob's bytes, checked against its hash; throws saying which blob and why. */
export async function getBlob(redis: Redis, reference: BlobReference, what: string): Promise<Buffer> {
  const data = await redis.getBuffer(queueKeys.blob(reference.sha256));
  if (data === null) {
    throw new Error(
      `${what} (blob ${reference.sha256.slice(0, 12)}…, ${reference.bytes} bytes) is no longer in Redis: ` +
        'it expired or Redis lost its data. Resume the experiment on the coordinator (lab resume <id>) to upload it again',
    );
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (sha256 !== reference.sha256) {
    throw new Error(
      `${what}: the bytes in Redis do not match their hash (expected ${reference.sha256}, got ${sha256})`,
    );
  }
  return data;
}
