// Shared by the typescript_*.test.mjs files: loading a generated .ts file (transpiled by
// the real TypeScript compiler into a module beside it, so its imports resolve from the
// same node_modules), opening a real @powersync/node database with a schema, and running
// a real `syncspec serve` on a database of its own.
import fs from 'node:fs';
import { spawn } from 'node:child_process';
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

// A real `syncspec serve` for `spec` on a fresh database of the run's PostgreSQL (PG* in
// the env), made with `sqlDir`'s postgres.sql and postgres_sync.sql; `args` are serve's
// options after --postgres and --listen (the keys, at least). Resolves to the endpoint,
// a client of the database and stop(), which ends both and drops the database; stop()
// fails when the server's stderr has a sanitizer report.
export async function startServe(spec, sqlDir, args) {
  const pg = (await import(path.join(modules, 'pg/lib/index.js'))).default;
  const dbname = `syncspec_ts_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const admin = new pg.Client({ database: process.env.PGDATABASE || 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbname}`);
  const sql = new pg.Client({ database: dbname });
  await sql.connect();
  for (const file of ['postgres.sql', 'postgres_sync.sql'])
    await sql.query(fs.readFileSync(path.join(sqlDir, file), 'utf8'));
  let log = '';
  const server = spawn(process.env.SYNCSPEC_BIN, ['serve', spec, '--postgres', `dbname=${dbname}`,
    '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const endpoint = await new Promise((resolve, reject) => {
    server.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    server.on('exit', (code) => reject(new Error(`syncspec serve exited ${code}:\n${log}`)));
  });
  async function stop() {
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null ? r() : server.on('exit', r)));
    await sql.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbname} WITH (FORCE)`);
    await admin.end();
    if (/AddressSanitizer|runtime error|LeakSanitizer/.test(log)) throw new Error(log);
  }
  return { endpoint, sql, pg, stop };
}
