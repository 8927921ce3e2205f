// The backend the training tests run on: the native cpu backend when its addon is built (an
// order of magnitude faster), else the js reference backend, with the reason printed.
import '../../../engine/backends/cpu.ts';
import { loadNativeAddon } from '../../../native/addon.ts';

export function trainingBackend(): 'cpu' | 'js' {
  try {
    loadNativeAddon();
    return 'cpu';
  } catch (e) {
    console.warn(`running on the js backend: ${(e as Error).message}`);
    return 'js';
  }
}
