// Shared by the typescript_*.test.mjs files: loading a generated .ts file (transpiled by
// the real TypeScript compiler into a module beside it, so its imports resolve from the
// same node_modules), and opening a real @powersync/node database with a schema.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = process.env.SYNCSPEC_TS_WORK;
export const databases = path.join(work, 'databases');
fs.mkdirSync(databases, { recursive: true });
const modules = path.join(work, 'node_modules');
const ts = (await import(path.join(modules, 'typescript/lib/typescript.js'))).default;
const { PowerSyncDatabase } = await import(path.join(modules, '@powersync/node/lib/index.js'));

export function specOf(name) {
  return name === 'app' ? 'schemas/app.yaml' : `tests/golden/${name}/spec.yaml`;
}

export async function loadTs(file) {
  const out = file.replace(/\.ts$/, '.mjs');
  if (!fs.existsSync(out)) {
    const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    fs.writeFileSync(out, outputText);
  }
  return import(out);
}

// Opens a fresh database file with `schema` (PowerSync creates its tables), closes it, and
// returns its path. `open` gets the open database first when given.
export async function openDatabase(schema, name, open) {
  const dir = databases;
  const db = new PowerSyncDatabase({ schema, database: { dbFilename: `${name}.db`, dbLocation: dir } });
  try {
    await db.init();
    if (open) await open(db);
  } finally {
    await db.close();
  }
  return path.join(dir, `${name}.db`);
}
