// Whether the desktop app can open (main/electron/desktopAvailability.ts): Electron's binary as
// node_modules/electron would find it, without ever requiring 'electron' (that downloads).
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  desktopAvailability,
  electronBinary,
  missingDisplay,
} from '../../../../main/electron/desktopAvailability.ts';

/** A project root whose node_modules/electron is in the given state. */
function projectWith(state: 'no package' | 'not downloaded' | 'downloaded'): string {
  const root = mkdtempSync(join(tmpdir(), 'lab-electron-'));
  if (state === 'no package') return root;
  const electron = join(root, 'node_modules', 'electron');
  mkdirSync(electron, { recursive: true });
  if (state === 'downloaded') {
    mkdirSync(join(electron, 'dist'));
    writeFileSync(join(electron, 'path.txt'), 'electron');
    writeFileSync(join(electron, 'dist', 'electron'), '#!/bin/sh\n');
    chmodSync(join(electron, 'dist', 'electron'), 0o755);
  }
  return root;
}

describe('electronBinary', () => {
  it('finds the binary that path.txt names under dist/', () => {
    const root = projectWith('downloaded');
    expect(electronBinary({}, root)).toEqual({
      ok: true,
      path: join(root, 'node_modules/electron/dist/electron'),
    });
  });

  it('says the binary downloads on first launch when it is not there', () => {
    const result = electronBinary({}, projectWith('not downloaded'));
    expect(result).toEqual({
      ok: false,
      reason: expect.stringMatching(/binary is not installed.*downloads on first launch.*network/),
    });
    expect(electronBinary({}, projectWith('no package'))).toMatchObject({ ok: false, reason: /npm install/ });
  });

  it('follows LAB_ELECTRON_BINARY and ELECTRON_OVERRIDE_DIST_PATH', () => {
    const root = projectWith('downloaded');
    const binary = join(root, 'node_modules/electron/dist/electron');
    expect(electronBinary({ LAB_ELECTRON_BINARY: binary }, projectWith('not downloaded'))).toEqual({
      ok: true,
      path: binary,
    });
    expect(electronBinary({ LAB_ELECTRON_BINARY: '/nowhere/electron' }, root)).toEqual({
      ok: false,
      reason: 'LAB_ELECTRON_BINARY names /nowhere/electron, which does not exist',
    });
    const override = { ELECTRON_OVERRIDE_DIST_PATH: join(root, 'node_modules/electron/dist') };
    expect(electronBinary(override, root)).toEqual({ ok: true, path: binary });
  });
});

describe('missingDisplay', () => {
  it('needs X or Wayland on Linux only', () => {
    expect(missingDisplay({}, 'linux')).toMatch(/no display/);
    expect(missingDisplay({ DISPLAY: ':0' }, 'linux')).toBeNull();
    expect(missingDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeNull();
    expect(missingDisplay({}, 'darwin')).toBeNull();
    expect(missingDisplay({}, 'win32')).toBeNull();
  });

  it('is part of whether the desktop app can start', () => {
    const root = projectWith('downloaded');
    if (process.platform === 'linux') {
      expect(desktopAvailability({}, root)).toMatchObject({ ok: false, reason: /no display/ });
    }
    expect(desktopAvailability({ DISPLAY: ':0' }, root)).toMatchObject({ ok: true });
  });
});
