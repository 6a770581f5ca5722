// The generated PowerSync client schema (`<name>_powersync.ts`) as a module for the serve
// tests: transpiled by the real TypeScript compiler into a folder whose node_modules are
// these tests', so that its @powersync/common is the one @powersync/node uses.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

// The module's exports; the folder is removed once it is loaded.
export async function loadGenerated(file) {
  const dir = mkdtempSync(join(tmpdir(), 'syncspec-generated-'));
  try {
    symlinkSync(join(import.meta.dirname, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'),
      { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    writeFileSync(join(dir, 'module.mjs'), outputText);
    return await import(join(dir, 'module.mjs'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
