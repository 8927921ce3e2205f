// Electron main process: one sandboxed window over the renderer build, LabApi over IPC.
// Runs never execute here (the lab service runs them in worker processes), so this process
// stays responsive.
import { app, BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { fileURLToPath } from 'node:url';
import { labApiMethods } from '../api/labApi.ts';
import { labApiChannel, labProgressChannel } from '../api/labApiClient.ts';
import { labApiHandlers } from '../api/labApiTransport.ts';
import { createLabService } from '../api/labService.ts';
import { runWorkerSource } from '../paths.ts';

const rendererIndex = fileURLToPath(new URL(/* @vite-ignore */ '../renderer/index.html', import.meta.url));
const preloadPath = fileURLToPath(new URL(/* @vite-ignore */ './preload.cjs', import.meta.url));

let window: BrowserWindow | null = null;

/** Only our own window may call LabApi: a message from any other frame is refused. */
function assertTrustedSender(event: IpcMainInvokeEvent): void {
  const url = event.senderFrame?.url ?? '';
  if (!window || event.sender !== window.webContents || !url.startsWith('file://')) {
    throw new Error(`LabApi call refused: unexpected sender ${url || '(unknown frame)'}`);
  }
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Curriculum Lab',
    webPreferences: { preload: preloadPath, sandbox: true, contextIsolation: true, nodeIntegration: false },
  });
  window.on('closed', () => {
    window = null;
  });
  void window.loadFile(rendererIndex);
}

async function start(): Promise<void> {
  await app.whenReady();
  // Electron's fork runs the worker source with ELECTRON_RUN_AS_NODE.
  const lab = createLabService({ workerEntry: runWorkerSource });
  // Every argument is checked by the handlers before it reaches the lab: a renderer is not
  // trusted to send what the types say.
  const handlers = labApiHandlers(lab);
  for (const method of labApiMethods) {
    ipcMain.handle(labApiChannel(method), (event, ...args: unknown[]) => {
      assertTrustedSender(event);
      return handlers[method](args);
    });
  }
  lab.onProgress((progress) => window?.webContents.send(labProgressChannel, progress));
  app.on('window-all-closed', () => {
    void lab.close().finally(() => app.quit());
  });
  createWindow();
}

start().catch((error: unknown) => {
  console.error('Curriculum Lab could not start:', error);
  app.exit(1);
});
