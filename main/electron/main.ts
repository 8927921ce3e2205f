// Electron main process: one sandboxed window over the renderer build, served from app://lab/,
// and LabApi relayed over IPC to the lab process (labHost.ts). No lab work happens here — not
// even SQLite queries — so this process never blocks. Every security decision is a tested
// function in security.ts; this file wires them to Electron's hooks.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  protocol,
  session,
  type IpcMainInvokeEvent,
  type WebContents,
} from 'electron';
import { fileURLToPath } from 'node:url';
import { labApiMethods } from '../api/labApi.ts';
import { labApiChannel, labProgressChannel } from '../api/labApiClient.ts';
import { rendererDistDirectory } from '../paths.ts';
import { answerAppRequest } from './appProtocol.ts';
import { startLabHost, type LabHost } from './labHostClient.ts';
import {
  appEntryUrl,
  appScheme,
  appSchemePrivileges,
  isAllowedNavigation,
  isRemoteUrl,
  permissionGranted,
  remoteUrlPatterns,
  secureWebPreferences,
  senderRefusal,
} from './security.ts';

const preloadPath = fileURLToPath(new URL(/* @vite-ignore */ './preload.cjs', import.meta.url));

// Both must happen before the app is ready.
protocol.registerSchemesAsPrivileged([{ scheme: appScheme, privileges: appSchemePrivileges }]);
app.enableSandbox();

let window: BrowserWindow | null = null;

/** Only the main frame of our window, showing the app, may call LabApi. */
function assertTrustedSender(event: IpcMainInvokeEvent): void {
  const frame = event.senderFrame;
  const refusal = senderRefusal({
    frameUrl: frame?.url ?? null,
    fromOurWindow: window !== null && event.sender === window.webContents,
    isMainFrame: frame !== null && frame.parent === null,
  });
  if (refusal) throw new Error(refusal);
}

/** Every web contents (the window, and anything it might try to open): the app, nothing else. */
function confine(contents: WebContents): void {
  const stayInApp = (event: { preventDefault(): void }, url: string) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

function lockDownSession(): void {
  const { defaultSession } = session;
  defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permissionGranted(permission)),
  );
  defaultSession.setPermissionCheckHandler((_contents, permission) => permissionGranted(permission));
  defaultSession.webRequest.onBeforeRequest({ urls: remoteUrlPatterns }, (details, callback) =>
    callback({ cancel: isRemoteUrl(details.url) }),
  );
  protocol.handle(appScheme, (request) => answerAppRequest(request, rendererDistDirectory));
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Curriculum Lab',
    webPreferences: { ...secureWebPreferences, preload: preloadPath },
  });
  window.on('closed', () => {
    window = null;
  });
  void window.loadURL(appEntryUrl);
}

function relayLabApi(lab: LabHost): void {
  for (const method of labApiMethods) {
    ipcMain.handle(labApiChannel(method), (event, ...args: unknown[]) => {
      assertTrustedSender(event);
      // The lab process checks every argument (labApiHandlers) before it reaches the lab.
      return lab.invoke(method, args);
    });
  }
  lab.onProgress((progress) => window?.webContents.send(labProgressChannel, progress));
}

/** Quitting waits for the lab to stop its runs (they stay resumable); once, however it is asked. */
function closeLabOnQuit(lab: LabHost): void {
  let labClosed = false;
  app.on('before-quit', (event) => {
    if (labClosed) return;
    event.preventDefault();
    void lab.close().finally(() => {
      labClosed = true;
      app.quit();
    });
  });
  app.on('window-all-closed', () => app.quit());
}

async function start(): Promise<void> {
  app.on('web-contents-created', (_event, contents) => confine(contents));
  await app.whenReady();
  lockDownSession();
  const lab = startLabHost();
  lab.onUnexpectedExit((message) => {
    dialog.showErrorBox('Curriculum Lab', message);
    app.exit(1);
  });
  relayLabApi(lab);
  closeLabOnQuit(lab);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

start().catch((error: unknown) => {
  dialog.showErrorBox('Curriculum Lab could not start', (error as Error).stack ?? String(error));
  app.exit(1);
});
