// Where the user built a node: the first stack frame outside the engine. Errors about a node
// name that line, so a shape mismatch points at the researcher's code, not ours.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const engineDir = dirname(dirname(fileURLToPath(import.meta.url)));

export function userCallSite(): string {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(frame);
    if (!match) continue;
    const file = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
    if (file.startsWith(engineDir) || file.startsWith('node:') || file.includes('/node_modules/')) continue;
    return `${file}:${match[2]}`;
  }
  return '(unknown location)';
}
