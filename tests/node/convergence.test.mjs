// Mixed clients of one user against one real `syncspec serve` on the run's PostgreSQL: a C
// device (the client store with the libcurl transport, build/tests/convergence_device), a
// real @powersync/node device and direct SQL writes. Each side inserts, updates and deletes
// rows the others made; then both devices hold exactly the user's rows of PostgreSQL, every
// column byte for byte, and nothing of another user's.
//
// Where the types allow: booleans are 1/0 on both devices (SQLite has no boolean), and a
// timestamp's text differs by client though the instant is the same: the C store keeps every
// timestamp in one form, 2025-01-02T03:04:05.678Z (so they sort as text), while
// @powersync/node keeps the text the server sent, 2025-01-02 03:04:05.678Z. Each is compared
// byte for byte with PostgreSQL's value rendered in that form.
//
// Run by tests/integration/convergence.sh: SYNCSPEC_BUILD, PG*, the spec (SYNCSPEC_SPEC) and
// its generated files (SYNCSPEC_SQL) in the env.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { PowerSyncDatabase } from '@powersync/node';
import { loadGenerated } from './generated_schema.mjs';
import { rs256Keys } from './rs256_keys.mjs';

const build = process.env.SYNCSPEC_BUILD;
const generated = process.env.SYNCSPEC_SQL;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncspec-convergence-'));
const dbname = `syncspec_convergence_${process.pid}`;
const P = (n) => `33333333-0000-4000-8000-${String(n).padStart(12, '0')}`;
const D = (n) => `44444444-0000-4000-8000-${String(n).padStart(12, '0')}`;
const { AppSchema: schema } = await loadGenerated(path.join(generated, 'app_powersync.ts'));

const columns = {
  projects: ['id', 'name', 'is_default', 'owner_id', 'created_at', 'updated_at', 'deleted_at'],
  documents: ['id', 'title', 'content', 'project_id', 'device_id', 'owner_id', 'created_at',
    'updated_at', 'deleted_at'],
};
const stamps = new Set(['created_at', 'updated_at', 'deleted_at']);

// ---- the server ----

const { jwks, token } = rs256Keys(dir);

const admin = new pg.Client({ database: process.env.PGDATABASE || 'postgres' });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${dbname}`);
await admin.query(`CREATE DATABASE ${dbname}`);
const sql = new pg.Client({ database: dbname });
await sql.connect();
await sql.query(fs.readFileSync(path.join(generated, 'postgres.sql'), 'utf8'));
await sql.query(fs.readFileSync(path.join(generated, 'postgres_sync.sql'), 'utf8'));

let serverLog = '';
const server = spawn(path.join(build, 'syncspec'), ['serve', process.env.SYNCSPEC_SPEC,
  '--postgres', `dbname=${dbname}`, '--listen', '127.0.0.1:0', '--jwks', jwks, '--audience', 'powersync'],
{ stdio: ['ignore', 'ignore', 'pipe'] });
const endpoint = await new Promise((resolve, reject) => {
  server.stderr.on('data', (chunk) => {
    serverLog += chunk;
    const m = /listening on 127\.0\.0\.1:(\d+)/.exec(serverLog);
    if (m) resolve(`http://127.0.0.1:${m[1]}`);
  });
  server.on('exit', (code) => reject(new Error(`syncspec serve exited ${code}:\n${serverLog}`)));
});

// ---- the devices ----

const uploadPath = '/api/powersync/upload';
const node = new PowerSyncDatabase({ schema, database: { dbFilename: 'node.db', dbLocation: dir } });
await node.connect({
  fetchCredentials: async () => ({ endpoint, token: token('alice') }),
  uploadData: async (database) => {
    const tx = await database.getNextCrudTransaction();
    if (!tx) return;
    const body = {
      client_id: await database.getClientId(),
      transactions: [{ op_id: String(tx.transactionId),
        ops: tx.crud.map((op) => ({ op: op.op, table: op.table, id: op.id, data: op.opData })) }],
    };
    const res = await fetch(endpoint + uploadPath, {
      method: 'PUT', body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token('alice')}` },
    });
    if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
    for (const t of (await res.json()).transactions) assert.notEqual(t.status, 'rejected', JSON.stringify(t));
    await tx.complete();
  },
}, { retryDelayMs: 200, crudUploadThrottleMs: 20 });

// The C device: runs `commands` (exec SQL, sync, dump) on its store; resolves to stdout.
const run = promisify(execFile);
async function cDevice(...commands) {
  const { stdout } = await run(path.join(build, 'tests', 'convergence_device'),
    [generated, path.join(dir, 'c.db'), endpoint, token('alice'), 'alice', ...commands]);
  return stdout;
}

after(async () => {
  await node.close().catch(() => {});
  server.kill('SIGTERM');
  await new Promise((r) => (server.exitCode !== null ? r() : server.on('exit', r)));
  await sql.end();
  await admin.query(`DROP DATABASE IF EXISTS ${dbname} WITH (FORCE)`);
  await admin.end();
  fs.rmSync(dir, { recursive: true, force: true });
  // Under make test-asan the server is instrumented: any report is a failure.
  assert.doesNotMatch(serverLog, /AddressSanitizer|runtime error|LeakSanitizer/, serverLog);
});

// PostgreSQL's rows of `table` for alice, each timestamp rendered by `stamp`.
async function pgRows(table, stamp) {
  const list = columns[table].map((c) => (stamps.has(c) ? `${stamp(c)} AS ${c}`
    : c === 'is_default' ? `${c}::int AS ${c}` : `${c}::text AS ${c}`));
  return (await sql.query(`SELECT ${list.join(', ')} FROM ${table} WHERE owner_id = 'alice' ORDER BY id`)).rows;
}
const cForm = (c) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const serverForm = (c) => `(${c} AT TIME ZONE 'UTC')::text || 'Z'`;

const pick = (rows, table) => rows.map((r) => Object.fromEntries(columns[table].map((c) => [c, r[c]])));

async function nodeConverged() {
  assert.equal((await node.getAll('SELECT * FROM ps_crud')).length, 0);
  for (const table of Object.keys(columns))
    assert.deepEqual(pick(await node.getAll(`SELECT * FROM ${table} ORDER BY id`), table), await pgRows(table, serverForm));
}

async function cConverged() {
  const rows = JSON.parse(await cDevice('sync', 'dump'));
  for (const table of Object.keys(columns))
    assert.deepEqual(pick(rows[table], table), await pgRows(table, cForm));
}

// Until `check` passes (it throws while it does not), at most `ms`.
async function eventually(check, ms = 15000) {
  const start = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() - start > ms) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const stamp = (s) => `2025-0${s}-02T03:04:05.678Z`;

test('a C device, a @powersync/node device and SQL writes converge with PostgreSQL', async () => {
  // SQL: alice's project and document, and bob's project, which no device of alice's gets.
  await sql.query(`INSERT INTO projects (id, name, is_default, owner_id, created_at, updated_at) VALUES
    ($1, 'from sql', true, 'alice', '2025-01-02T03:04:05.678Z', '2025-01-02T03:04:05.6Z'),
    ($2, 'bob''s', false, 'bob', now(), now())`, [P(1), P(9)]);
  await sql.query(`INSERT INTO documents (id, title, content, project_id, device_id, owner_id, created_at, updated_at)
    VALUES ($1, NULL, 'line one\nline two ✓ "quoted"', $2, 'sql', 'alice', '2025-01-02T03:04:05Z', '2025-01-02T03:04:05Z')`, [D(1), P(1)]);
  await node.waitForFirstSync();

  // The C device: its first sync, then its own project and document.
  await cDevice('sync',
    'exec', `INSERT INTO projects (id, name, is_default, owner_id, created_at, updated_at) VALUES
      ('${P(2)}', 'from c', 0, 'alice', '${stamp(2)}', '${stamp(2)}')`,
    'exec', `INSERT INTO documents (id, title, content, project_id, device_id, owner_id, created_at, updated_at)
      VALUES ('${D(2)}', 'C''s', 'é\t{"json": [1]}', '${P(2)}', 'c', 'alice', '${stamp(2)}', '${stamp(2)}')`,
    'sync');

  // The node device: its own project, and edits of SQL's and C's rows.
  await node.execute('INSERT INTO projects (id, name, is_default, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    [P(3), 'from node', 0, 'alice', stamp(3), stamp(3)]);
  await node.execute('UPDATE projects SET name = ? WHERE id = ?', ['from sql, renamed on node', P(1)]);
  await eventually(async () => {
    assert.equal((await node.getAll('SELECT * FROM ps_crud')).length, 0);
    assert.equal((await sql.query('SELECT name FROM projects WHERE id = $1', [P(2)])).rows[0]?.name, 'from c');
  });
  await node.execute('UPDATE documents SET title = ?, updated_at = ? WHERE id = ?', ['titled on node', stamp(4), D(2)]);

  // The C device edits node's project and SQL's document; SQL edits, soft-deletes, deletes.
  await cDevice('sync',
    'exec', `UPDATE projects SET name = 'from node, renamed on c', updated_at = '${stamp(5)}' WHERE id = '${P(3)}'`,
    'exec', `UPDATE documents SET content = 'edited on c' WHERE id = '${D(1)}'`,
    'sync');
  await sql.query(`UPDATE projects SET deleted_at = '2025-06-07T08:09:10.111Z' WHERE id = $1`, [P(2)]);
  await sql.query(`INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES
    ($1, 'short-lived', 'alice', now(), now())`, [P(4)]);
  await eventually(async () => assert.ok(await node.get('SELECT id FROM projects WHERE id = ?', [P(4)])));
  await cDevice('sync');
  await sql.query('DELETE FROM projects WHERE id = $1', [P(4)]);
  await sql.query(`UPDATE documents SET owner_id = 'bob' WHERE id = $1`, [D(2)]);

  // Both devices now hold exactly alice's rows of PostgreSQL.
  await eventually(nodeConverged);
  await eventually(cConverged);
  const names = (await pgRows('projects', cForm)).map((r) => r.name);
  assert.deepEqual(names, ['from sql, renamed on node', 'from c', 'from node, renamed on c']);
  assert.equal((await pgRows('documents', cForm)).map((r) => r.content).join('|'), 'edited on c');
  const c = JSON.parse(await cDevice('dump'));
  assert.equal(c.projects.length, 3);
  assert.ok(!c.projects.some((r) => r.id === P(9)) && !c.documents.some((r) => r.id === D(2)));
});
