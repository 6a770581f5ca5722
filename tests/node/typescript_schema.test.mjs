// The generated PowerSync client schema with the real @powersync/node client: its JSON is
// what Schema.toJSON() gives (and the Drizzle schema's too), a database the client opens
// with it is what `syncspec check --sqlite` expects, and databases opened with drifted
// schemas (a missing column, a wrong type, a missing index, localOnly flipped, insertOnly)
// are reported, each with exactly its finding.
// Run by tests/integration/typescript.sh, which sets SYNCSPEC_TS_WORK (a folder per case,
// beside node_modules) and SYNCSPEC_BIN.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadTs, openDatabase, repoRoot, specOf } from './typescript_util.mjs';

const work = process.env.SYNCSPEC_TS_WORK;
const bin = process.env.SYNCSPEC_BIN;
const { Schema, Table, column } = await import(path.join(work, 'node_modules/@powersync/common/lib/index.js'));

const cases = fs
  .readdirSync(work, { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(work, d.name, `${d.name}_powersync.json`)))
  .map((d) => d.name);

// check --format json → ["code table column", ...] sorted, and the exit status.
function check(spec, db) {
  const run = spawnSync(bin, ['check', spec, '--sqlite', db, '--format', 'json', '--strict'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.ok(run.status === 0 || run.status === 1, `check could not run: ${run.stderr}`);
  const report = JSON.parse(run.stdout);
  const findings = report.findings.map((f) => [f.code, f.table ?? '-', f.column ?? '-'].join(' ')).sort();
  return { status: run.status, findings };
}

// The schema a generated JSON describes, changed by `edit` (table JSON → table JSON).
function schemaFromJson(json, edit = (t) => t) {
  const tables = {};
  for (const original of json.tables) {
    const t = edit(structuredClone(original));
    const columns = Object.fromEntries(t.columns.map((c) => [c.name, column[c.type.toLowerCase()]]));
    const indexes = Object.fromEntries(t.indexes.map((x) => [x.name, x.columns.map((c) => c.name)]));
    tables[t.name] = new Table(columns, { localOnly: t.local_only, insertOnly: t.insert_only, indexes });
  }
  return new Schema(tables);
}

const json = (name) => fs.readFileSync(path.join(work, name, `${name}_powersync.json`), 'utf8');

for (const name of cases) {
  test(`${name}: the JSON is Schema.toJSON() of the client schema and of the Drizzle schema`, async () => {
    const client = await loadTs(path.join(work, name, `${name}_powersync.ts`));
    const drizzle = await loadTs(path.join(work, name, `${name}_drizzle_sqlite.ts`));
    const pascal = name[0].toUpperCase() + name.slice(1);
    const schema = client[`${pascal}Schema`];
    schema.validate();
    assert.equal(JSON.stringify(schema.toJSON(), null, 2) + '\n', json(name));
    const drizzleSchema = drizzle[`${pascal}DrizzleSchema`];
    drizzleSchema.validate();
    assert.deepEqual(drizzleSchema.toJSON(), JSON.parse(json(name)));
  });

  test(`${name}: a real client database opened with the schema is aligned`, async () => {
    const client = await loadTs(path.join(work, name, `${name}_powersync.ts`));
    const pascal = name[0].toUpperCase() + name.slice(1);
    const file = await openDatabase(client[`${pascal}Schema`], `${name}-clean`);
    assert.deepEqual(check(specOf(name), file), { status: 0, findings: [] });
  });
}

test('app: a database opened with the Drizzle schema is aligned too', async () => {
  const drizzle = await loadTs(path.join(work, 'app', 'app_drizzle_sqlite.ts'));
  const file = await openDatabase(drizzle.AppDrizzleSchema, 'app-drizzle');
  assert.deepEqual(check(specOf('app'), file), { status: 0, findings: [] });
});

const drifts = [
  {
    name: 'missing-column',
    edit: (t) => (t.name === 'documents' ? { ...t, columns: t.columns.filter((c) => c.name !== 'title') } : t),
    want: ['missing-column documents title'],
  },
  {
    name: 'wrong-type',
    edit: (t) =>
      t.name === 'projects'
        ? { ...t, columns: t.columns.map((c) => (c.name === 'is_default' ? { ...c, type: 'TEXT' } : c)) }
        : t,
    want: ['type-mismatch projects is_default'],
  },
  {
    name: 'missing-index',
    edit: (t) =>
      t.name === 'documents' ? { ...t, indexes: t.indexes.filter((x) => x.name !== 'idx_documents_project_id') } : t,
    want: ['missing-index documents -'],
  },
  {
    name: 'index-other-columns',
    edit: (t) =>
      t.name === 'documents'
        ? {
            ...t,
            indexes: t.indexes.map((x) =>
              x.name === 'idx_documents_project_id' ? { ...x, columns: [{ name: 'title' }] } : x,
            ),
          }
        : t,
    want: ['index-mismatch documents -'],
  },
  {
    name: 'extra-index',
    edit: (t) =>
      t.name === 'groups' ? { ...t, indexes: [...t.indexes, { name: 'idx_groups_name', columns: [{ name: 'name' }] }] } : t,
    want: ['extra-index groups -'],
  },
  {
    name: 'local-only-flipped',
    edit: (t) => (t.name === 'preferences' ? { ...t, local_only: false } : t),
    want: ['local-only-mismatch preferences -'],
  },
  {
    name: 'insert-only',
    edit: (t) => (t.name === 'document_versions' ? { ...t, insert_only: true } : t),
    want: ['table-options-mismatch document_versions -'],
  },
];

for (const drift of drifts) {
  test(`app: a database with drift (${drift.name}) is reported`, async () => {
    const file = await openDatabase(schemaFromJson(JSON.parse(json('app')), drift.edit), `app-${drift.name}`);
    assert.deepEqual(check(specOf('app'), file), { status: 1, findings: drift.want });
  });
}

test('app: the unchanged JSON rebuilt as a schema is aligned (the drift cases start from it)', async () => {
  const file = await openDatabase(schemaFromJson(JSON.parse(json('app'))), 'app-from-json');
  assert.deepEqual(check(specOf('app'), file), { status: 0, findings: [] });
});
