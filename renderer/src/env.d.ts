/// <reference types="vite/client" />
import type { LabApi } from '../../main/api/labApi.ts';

declare global {
  interface Window {
    /** Exposed by the Electron preload, or by the browser-mode client; absent in a bare page. */
    lab?: LabApi;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
