// LabApi: the one typed contract between the renderer and the lab. The Electron preload
// exposes it with contextBridge; browser mode serves it over HTTP + WebSocket. The renderer
// imports only these types, never the engine or native code.

export interface LabInfo {
  /** The engine's version (package.json version of the lab). */
  engineVersion: string;
  /** Node.js version of the process serving the API. */
  nodeVersion: string;
  /** Backends that load on this machine, in order of preference. */
  backends: string[];
}

export interface LabApi {
  info(): Promise<LabInfo>;
}
