// The sandboxed preload (main/electron/preload.ts) with Electron mocked: what it exposes to the
// page is LabApi — one function per message and onProgress — and nothing that reaches
// ipcRenderer itself.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { labApiMethods } from '../../../../main/api/labApi.ts';
import { labApiChannel, labProgressChannel } from '../../../../main/api/labApiClient.ts';

const electron = vi.hoisted(() => {
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  return {
    exposed: new Map<string, unknown>(),
    listeners,
    ipcRenderer: {
      invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({ channel, args })),
      on: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(listener);
      }),
      removeListener: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
        listeners.get(channel)?.delete(listener);
      }),
      send: vi.fn(),
      sendSync: vi.fn(),
    },
  };
});

vi.mock('electron', () => ({
  contextBridge: {
    exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api),
  },
  ipcRenderer: electron.ipcRenderer,
}));

let lab: Record<string, unknown>;

beforeAll(async () => {
  await import('../../../../main/electron/preload.ts');
  lab = electron.exposed.get('lab') as Record<string, unknown>;
});

describe('preload', () => {
  it('exposes one object, window.lab, with exactly the LabApi methods and onProgress', () => {
    expect([...electron.exposed.keys()]).toEqual(['lab']);
    expect(Object.keys(lab).sort()).toEqual([...labApiMethods, 'onProgress'].sort());
    for (const [name, value] of Object.entries(lab)) expect(typeof value, name).toBe('function');
  });

  it('exposes nothing of ipcRenderer', () => {
    const ipc = Object.values(electron.ipcRenderer);
    for (const value of Object.values(lab)) {
      expect(value).not.toBe(electron.ipcRenderer);
      expect(ipc).not.toContain(value);
    }
    expect(lab).not.toHaveProperty('ipcRenderer');
    expect(lab).not.toHaveProperty('invoke');
    expect(lab).not.toHaveProperty('send');
  });

  it('sends each call as its own message on its own channel, with its arguments', async () => {
    for (const method of labApiMethods) {
      electron.ipcRenderer.invoke.mockClear();
      const call = lab[method] as (...args: unknown[]) => Promise<unknown>;
      const answer = await call(7, 'x');
      expect(electron.ipcRenderer.invoke, method).toHaveBeenCalledTimes(1);
      expect(electron.ipcRenderer.invoke).toHaveBeenCalledWith(labApiChannel(method), 7, 'x');
      expect(answer).toEqual({ channel: `lab:${method}`, args: [7, 'x'] });
    }
    expect(electron.ipcRenderer.send).not.toHaveBeenCalled();
    expect(electron.ipcRenderer.sendSync).not.toHaveBeenCalled();
  });

  it('delivers progress without the IPC event, and unsubscribes', () => {
    const received: unknown[] = [];
    const unsubscribe = (lab.onProgress as (listener: (event: unknown) => void) => () => void)((event) =>
      received.push(event),
    );
    expect(electron.ipcRenderer.on).toHaveBeenCalledWith(labProgressChannel, expect.any(Function));
    const event = { type: 'experiment', experimentId: 1, status: 'running' };
    const senderEvent = { sender: electron.ipcRenderer, ports: [] };
    for (const listener of electron.listeners.get(labProgressChannel)!) listener(senderEvent, event);
    expect(received).toEqual([event]);
    unsubscribe();
    expect(electron.listeners.get(labProgressChannel)!.size).toBe(0);
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith(
      labProgressChannel,
      expect.any(Function),
    );
  });
});
