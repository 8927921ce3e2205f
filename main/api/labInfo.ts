import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNativeAddon } from '../../native/addon.ts';
import { projectRoot } from '../../native/paths.ts';
import type { LabInfo } from './labApi.ts';

const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  version: string;
};

/** What this process can offer: versions and the backends that actually load here. */
export function labInfo(): LabInfo {
  const backends: string[] = [];
  try {
    loadNativeAddon();
    backends.push('cpu');
  } catch {
    // The native addon is optional at run time: the js backend always works.
  }
  backends.push('js');
  return { engineVersion: packageJson.version, nodeVersion: process.versions.node, backends };
}
