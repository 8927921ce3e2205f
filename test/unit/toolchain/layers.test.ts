// The layering of ARCHITECTURE.md, checked on every import of the source tree: each layer imports
// only layers below it, main/ reaches native/ only through main/paths.ts (and the engine), and the
// renderer sees the lab only through main/api's LabApi types. An import that points up fails
// here with the file, the line and the rule, before it can make module load order fragile.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../../native/paths.ts';

interface Import {
  file: string;
  line: number;
  target: string;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(join(projectRoot, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory())
      return entry.name === 'node_modules' || entry.name === 'build' ? [] : sourceFiles(path);
    return /\.(ts|vue)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import (static, side-effect, re-export, dynamic with a literal) of a file. */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(projectRoot, file), 'utf8');
  const found: Import[] = [];
  const pattern = /(?:\bfrom\s+|\bimport\s+|\bimport\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const match of text.matchAll(pattern)) {
    const line = text.slice(0, match.index).split('\n').length;
    const target = relative(projectRoot, resolve(dirname(join(projectRoot, file)), match[1]));
    found.push({ file, line, target });
  }
  return found;
}

/** main/'s layers, lowest first: a file may import its own layer and the ones before it. */
const mainLayers: string[][] = [
  ['main/paths.ts', 'main/store/'],
  ['main/lab/'],
  ['main/workers/'],
  // Over the worker processes: model export in a child process, runs on a queue or a cluster.
  ['main/modelExport/', 'main/queue/'],
  ['main/api/'],
  // The front ends over LabApi; the CLI is one (`lab serve` starts the server).
  ['main/electron/', 'main/server/', 'main/cli/'],
];

function mainLayer(path: string): number {
  return mainLayers.findIndex((layer) => layer.some((prefix) => path === prefix || path.startsWith(prefix)));
}

function violations(files: string[], allowed: (from: string, to: string) => string | null): string[] {
  return files.flatMap((file) =>
    importsOf(file).flatMap(({ line, target }) => {
      const why = allowed(file, target);
      return why ? [`${file}:${line} imports ${target}: ${why}`] : [];
    }),
  );
}

describe('layers import only downward', () => {
  it('native/ and engine/ never import the lab or the app', () => {
    const found = violations([...sourceFiles('native'), ...sourceFiles('engine')], (from, to) =>
      /^(main|renderer)\//.test(to)
        ? 'the engine is a layer below the lab'
        : from.startsWith('native/') && to.startsWith('engine/')
          ? 'native/ is below the engine'
          : null,
    );
    expect(found).toEqual([]);
  });

  it('main/ imports its own layers downward, and native/ only through main/paths.ts', () => {
    const found = violations(sourceFiles('main'), (from, to) => {
      if (to.startsWith('renderer/')) return 'main/ never imports the renderer';
      if (to.startsWith('native/') && from !== 'main/paths.ts')
        return 'main/ reaches native/ through main/paths.ts or the engine';
      if (!to.startsWith('main/')) return null;
      const [fromLayer, toLayer] = [mainLayer(from), mainLayer(to)];
      if (fromLayer < 0) return `${from} is in no layer of this test: add its folder to mainLayers`;
      return toLayer > fromLayer ? `${to} is in a higher layer than ${from}` : null;
    });
    expect(found).toEqual([]);
  });

  it('the renderer reaches the lab only through the LabApi contract', () => {
    // The contract, its import-free client factory, the lab's one number format, and its one rule
    // for metrics that are a matrix's cells (import-free too).
    const shared = [
      'main/api/labApi.ts',
      'main/api/labApiClient.ts',
      'main/lab/formatValue.ts',
      'main/lab/matrixCells.ts',
    ];
    const found = violations(sourceFiles('renderer'), (_from, to) =>
      /^(engine|native)\//.test(to) || (to.startsWith('main/') && !shared.includes(to))
        ? `the renderer sees the lab only through ${shared.join(', ')}`
        : null,
    );
    expect(found).toEqual([]);
  });

  it('finds the imports it checks', () => {
    // Guards the checks above against an import pattern that silently matches nothing.
    const runner = importsOf('main/lab/experimentRunner.ts').map((i) => i.target);
    expect(runner).toContain('main/store/runStore.ts');
    expect(runner).toContain('main/lab/runExecutor.ts');
    expect(importsOf('engine/index.ts').map((i) => i.target)).toContain('engine/backends/cpu.ts');
  });
});
