// IPC channel names shared by the main process and the preload: one channel per LabApi call.
export const ipcChannels = {
  info: 'lab:info',
} as const;
