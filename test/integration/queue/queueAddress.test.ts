// The queue's address and credentials: the URL names only the server; passwords come from the
// environment or a file, never from the URL; TLS by rediss:// or LAB_REDIS_TLS with CA and client
// certificate files. What is shown to people never contains a secret.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseQueueAddress } from '../../../main/queue/queueAddress.ts';
import { runQueueName } from '../../../main/queue/queueKeys.ts';
import { projectPathOf, resolveTrainerModule } from '../../../main/queue/queuedRun.ts';
import { tempDirectory } from './queueHarness.ts';

describe('queue address', () => {
  it('reads host, port and database, with Redis defaults', () => {
    expect(parseQueueAddress('redis://gpu-box.local', {})).toMatchObject({
      host: 'gpu-box.local',
      port: 6379,
      db: 0,
      display: 'redis://gpu-box.local:6379',
      tls: undefined,
    });
    expect(parseQueueAddress('redis://10.0.0.5:7000/3', {})).toMatchObject({ port: 7000, db: 3 });
    expect(parseQueueAddress('redis://[::1]:7000', {})).toMatchObject({ host: '::1', port: 7000 });
  });

  it('refuses a password in the URL, and says where it goes instead', () => {
    expect(() => parseQueueAddress('redis://lab:hunter2@box:6379', {})).toThrow(
      /contains a password.*LAB_REDIS_PASSWORD or in a file named by LAB_REDIS_PASSWORD_FILE/s,
    );
    expect(() => parseQueueAddress('redis://:hunter2@box', {})).toThrow(/contains a password/);
  });

  it('takes the user from the URL or the environment and the password from the environment or a file', () => {
    expect(parseQueueAddress('redis://lab@box', { LAB_REDIS_PASSWORD: 's3cret' })).toMatchObject({
      username: 'lab',
      password: 's3cret',
      display: 'redis://lab@box:6379',
    });
    const file = join(tempDirectory(), 'password');
    writeFileSync(file, 'from-a-file\n', { mode: 0o600 });
    const fromFile = parseQueueAddress('redis://box', {
      LAB_REDIS_USERNAME: 'lab',
      LAB_REDIS_PASSWORD_FILE: file,
    });
    expect(fromFile).toMatchObject({ username: 'lab', password: 'from-a-file', warnings: [] });
    expect(fromFile.display).not.toContain('from-a-file');
    chmodSync(file, 0o644);
    expect(parseQueueAddress('redis://box', { LAB_REDIS_PASSWORD_FILE: file }).warnings).toEqual([
      expect.stringMatching(/can be read by other users of this machine: chmod 600 it/),
    ]);
    expect(() =>
      parseQueueAddress('redis://box', { LAB_REDIS_PASSWORD: 'a', LAB_REDIS_PASSWORD_FILE: file }),
    ).toThrow(/both LAB_REDIS_PASSWORD and LAB_REDIS_PASSWORD_FILE are set/);
    expect(() => parseQueueAddress('redis://box', { LAB_REDIS_PASSWORD_FILE: `${file}.missing` })).toThrow(
      /LAB_REDIS_PASSWORD_FILE=.*missing: cannot read the file/,
    );
  });

  it('turns TLS on for rediss:// or LAB_REDIS_TLS, with the CA and client certificate files', () => {
    const directory = tempDirectory();
    const ca = join(directory, 'ca.crt');
    writeFileSync(ca, 'CA');
    expect(parseQueueAddress('rediss://box:6380', { LAB_REDIS_TLS_CA_FILE: ca })).toMatchObject({
      display: 'rediss://box:6380',
      tls: { ca: Buffer.from('CA') },
    });
    expect(parseQueueAddress('redis://box', { LAB_REDIS_TLS: '1' }).tls).toBeDefined();
    expect(parseQueueAddress('redis://box', { LAB_REDIS_TLS_CA_FILE: ca }).tls).toBeUndefined();
    expect(() => parseQueueAddress('rediss://box', { LAB_REDIS_TLS_CERT_FILE: ca })).toThrow(
      /needs both LAB_REDIS_TLS_CERT_FILE and LAB_REDIS_TLS_KEY_FILE/,
    );
  });

  it('explains URLs it cannot use', () => {
    expect(() => parseQueueAddress('gpu-box:6379', {})).toThrow(/use a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => parseQueueAddress('not a url', {})).toThrow(/is not a URL/);
    expect(() => parseQueueAddress('redis://box/x', {})).toThrow(/must be a database number/);
    expect(() => parseQueueAddress('redis://box?tls=1', {})).toThrow(/options in the URL are not read/);
  });
});

describe('what a job carries', () => {
  it('names a queue per engine version, safe for Redis keys', () => {
    expect(runQueueName('0.1.0')).toBe('runs-engine-0.1.0');
    expect(runQueueName('1.0.0+local build')).toBe('runs-engine-1.0.0_local_build');
  });

  it("maps a trainer module to the worker's own checkout, or says how to make it available", () => {
    const root = '/home/me/lab';
    expect(projectPathOf('file:///home/me/lab/main/lab/kinds/x/trainers.ts', root)).toBe(
      'main/lab/kinds/x/trainers.ts',
    );
    expect(projectPathOf('file:///home/me/elsewhere/mine.ts', root)).toBeNull();
    expect(() =>
      resolveTrainerModule({
        name: 'nobody-has-this',
        projectPath: null,
        coordinatorUrl: 'file:///x/mine.ts',
      }),
    ).toThrow(/outside the project: copy that module to this machine and start the worker with --trainers/);
    expect(() =>
      resolveTrainerModule({
        name: 'nobody-has-this',
        projectPath: 'main/lab/kinds/gone/trainers.ts',
        coordinatorUrl: 'file:///x/main/lab/kinds/gone/trainers.ts',
      }),
    ).toThrow(/this checkout .* has no such file: update it/);
  });
});
