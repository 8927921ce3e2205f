// The desktop app's lab process (main/electron/labHost.ts) driven through its client, as the
// Electron main process drives it: calls, refused arguments, progress, shutdown, a crash.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../main/api/labApi.ts';
import { startLabHost } from '../../../main/electron/labHostClient.ts';
import { definitionYaml, testTrainerModule } from '../lab/labHarness.ts';

const freshDatabase = () => join(mkdtempSync(join(tmpdir(), 'lab-host-')), 'lab.db');

describe('the desktop app’s lab process', () => {
  it('answers calls, checks arguments, streams progress and stops when asked', async () => {
    const dbPath = freshDatabase();
    const lab = startLabHost({ env: { LAB_DB: dbPath, LAB_TRAINERS: testTrainerModule } });
    await lab.ready;
    expect(await lab.invoke('info', [])).toMatchObject({
      databasePath: dbPath,
      nodeVersion: process.versions.node,
    });
    await expect(lab.invoke('getExperiment', ['1; DROP TABLE runs'])).rejects.toThrow(
      /LabApi.getExperiment: argument 1 must be a positive integer id/,
    );
    // undefined survives the trip (structured clone), as over Electron's IPC.
    expect(await lab.invoke('cancelExperiment', [1]).catch((e: Error) => e.message)).toMatch(
      /no experiment 1/,
    );
    expect(await lab.invoke('saveViewState', ['k', { a: 1 }])).toBeUndefined();

    const events: ProgressEvent[] = [];
    lab.onProgress((event) => events.push(event));
    const created = await lab.invoke('createExperiment', [
      definitionYaml({ training: '{ steps: 40, evalEvery: 10 }', optimizer: '{ name: sgd, lr: 0.1 }' }),
      'desktop.yaml',
    ]);
    expect(created).toMatchObject({ ok: true });
    await expect
      .poll(() => events.some((e) => e.type === 'experiment' && e.status === 'completed'), {
        timeout: 20_000,
      })
      .toBe(true);
    const unexpected: string[] = [];
    lab.onUnexpectedExit((message) => unexpected.push(message));
    await lab.close();
    expect(unexpected).toEqual([]);
    await expect(lab.invoke('info', [])).rejects.toThrow(/exited with code 0/);
  });

  it('says why it could not start, and when it died', async () => {
    const notALab = join(mkdtempSync(join(tmpdir(), 'lab-host-')), 'notes.txt');
    writeFileSync(notALab, 'x'.repeat(4096));
    const broken = startLabHost({ env: { LAB_DB: notALab } });
    await expect(broken.ready).rejects.toThrow(/The lab could not start: .*notes\.txt is not a lab database/);

    const lab = startLabHost({ env: { LAB_DB: freshDatabase() } });
    await lab.ready;
    const died = new Promise<string>((resolve) => lab.onUnexpectedExit(resolve));
    process.kill(lab.pid!, 'SIGKILL');
    expect(await died).toMatch(/The lab process was killed \(SIGKILL\).*can be resumed/);
    await expect(lab.invoke('info', [])).rejects.toThrow(/was killed/);
  });
});
