// Bundles the Electron main process (ES module) and the preload (CommonJS: a sandboxed
// preload cannot be an ES module) with Vite. Needs no Electron binary.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const outDir = fileURLToPath(new URL('../../dist/electron', import.meta.url));
const external = ['electron', 'better-sqlite3', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

async function bundle(entry: string, format: 'es' | 'cjs', fileName: string): Promise<void> {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: false,
      minify: false,
      target: 'node24',
      lib: {
        entry: fileURLToPath(new URL(entry, import.meta.url)),
        formats: [format],
        fileName: () => fileName,
      },
      rollupOptions: { external },
    },
  });
  console.log(`[electron] ${fileName} (${format === 'es' ? 'ES module' : 'CommonJS'})`);
}

await bundle('./main.ts', 'es', 'main.js');
await bundle('./preload.ts', 'cjs', 'preload.cjs');
