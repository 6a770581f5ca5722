// The real @powersync/node client against a real `syncspec serve` on the PostgreSQL the test
// run started: two devices of one user and a third user sync rows written directly in SQL
// (live), upload their own writes through the server's upload endpoint, and converge with
// PostgreSQL; deletes and an owner change reach every device; nobody sees another user's rows.
// Run by tests/integration/serve_sync.sh once per sync format: SYNCSPEC_BUILD, PG*, the spec
// (SYNCSPEC_SPEC), its generated SQL (SYNCSPEC_SQL) and its format (SYNCSPEC_SYNC_FORMAT) in
// the env. The format changes bucket names and row values only, so the tests of token
// expiry and restarts are defined for bucket_definitions alone.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PowerSyncDatabase } from '@powersync/node';
import { loadGenerated } from './generated_schema.mjs';
import { rs256Keys } from './rs256_keys.mjs';

const build = process.env.SYNCSPEC_BUILD;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncspec-serve-sync-'));
const dbname = `syncspec_node_${process.pid}`;
const spec = process.env.SYNCSPEC_SPEC;
const generated = process.env.SYNCSPEC_SQL;
const P = (n) => `11111111-0000-4000-8000-${String(n).padStart(12, '0')}`;

// The client schema generated for the spec.
const { AppSchema: schema } = await loadGenerated(path.join(generated, 'app_powersync.ts'));

// ---- the server and its database ----

const { jwks, token } = rs256Keys(dir);

const admin = new pg.Client({ database: process.env.PGDATABASE || 'postgres' });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${dbname}`);
await admin.query(`CREATE DATABASE ${dbname}`);
const sql = new pg.Client({ database: dbname });
await sql.connect();
await sql.query(fs.readFileSync(path.join(generated, 'postgres.sql'), 'utf8'));
await sql.query(fs.readFileSync(path.join(generated, 'postgres_sync.sql'), 'utf8'));

let server;
let serverLog = '';
// Starts `syncspec serve` on `port` (0: any) and resolves to its endpoint.
function startServer(port) {
  server = spawn(path.join(build, 'syncspec'), ['serve', spec, '--postgres', `dbname=${dbname}`,
    '--listen', `127.0.0.1:${port}`, '--jwks', jwks, '--audience', 'powersync'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  const start = serverLog.length;
  return new Promise((resolve, reject) => {
    server.stderr.on('data', (chunk) => {
      serverLog += chunk;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(serverLog.slice(start));
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
    server.on('exit', (code) => reject(new Error(`syncspec serve exited ${code}:\n${serverLog}`)));
  });
}
async function stopServer() {
  server.kill('SIGTERM');
  await new Promise((r) => (server.exitCode !== null ? r() : server.on('exit', r)));
  // Under make test-asan the server is instrumented: any report is a failure.
  assert.doesNotMatch(serverLog, /AddressSanitizer|runtime error|LeakSanitizer/, serverLog);
}
const endpoint = await startServer(0);

// ---- clients ----

const uploadPath = '/api/powersync/upload';
const clients = [];

async function device(name, user, tokenSeconds = 3600) {
  const db = new PowerSyncDatabase({ schema, database: { dbFilename: `${name}.db`, dbLocation: dir } });
  const connector = {
    fetchCredentials: async () => ({ endpoint, token: token(user, tokenSeconds) }),
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
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token(user)}` },
      });
      if (!res.ok) throw new Error(`upload: ${res.status} ${await res.text()}`);
      const answer = await res.json();
      for (const t of answer.transactions) assert.notEqual(t.status, 'rejected', JSON.stringify(t));
      await tx.complete();
    },
  };
  await db.connect(connector, { retryDelayMs: 200, crudUploadThrottleMs: 20 });
  clients.push(db);
  return db;
}

async function projects(db) {
  return db.getAll('SELECT id, name, owner_id, deleted_at FROM projects ORDER BY id');
}

async function pgProjects(user) {
  const r = await sql.query('SELECT id, name, owner_id, deleted_at FROM projects WHERE owner_id = $1 ORDER BY id', [user]);
  return r.rows.map((x) => ({ ...x, deleted_at: x.deleted_at && x.deleted_at.toISOString() }));
}

// Until `check` passes (it throws while it does not), at most `ms`; returns the time taken.
async function eventually(check, ms = 10000) {
  const start = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - start;
    } catch (e) {
      if (Date.now() - start > ms) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

// The device shows exactly the user's rows in PostgreSQL (names, owners, soft deletes).
async function converged(db, user) {
  const rows = (await projects(db)).map((x) => ({ ...x, deleted_at: x.deleted_at && new Date(x.deleted_at.replace(' ', 'T')).toISOString() }));
  assert.deepEqual(rows, await pgProjects(user));
}

after(async () => {
  for (const db of clients) await db.close().catch(() => {});
  await stopServer();
  await sql.end();
  await admin.query(`DROP DATABASE IF EXISTS ${dbname} WITH (FORCE)`);
  await admin.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('two devices of one user, a third user and PostgreSQL converge', async () => {
  await sql.query(`INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES
    ($1, 'from sql', 'alice', now(), now()), ($2, 'carol''s', 'carol', now(), now())`, [P(1), P(9)]);
  const a = await device('alice-a', 'alice');
  const b = await device('alice-b', 'alice');
  const c = await device('carol', 'carol');
  await a.waitForFirstSync();
  await b.waitForFirstSync();
  await c.waitForFirstSync();
  await converged(a, 'alice');
  await converged(b, 'alice');
  await converged(c, 'carol');

  // Direct SQL writes arrive live.
  await sql.query(`UPDATE projects SET name = 'renamed in sql' WHERE id = $1`, [P(1)]);
  const took = await eventually(async () => {
    assert.equal((await projects(a))[0]?.name, 'renamed in sql');
    assert.equal((await projects(b))[0]?.name, 'renamed in sql');
  });
  assert.ok(took < 3000, `a direct SQL write took ${took} ms to arrive`);

  // A device's own write is uploaded and reaches the other device.
  const now = new Date().toISOString();
  await a.execute('INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    [P(2), 'from device a', 'alice', now, now]);
  await b.execute('UPDATE projects SET name = ? WHERE id = ?', ['edited on b', P(1)]);
  await eventually(async () => {
    assert.equal((await a.getAll('SELECT * FROM ps_crud')).length, 0);
    assert.equal((await b.getAll('SELECT * FROM ps_crud')).length, 0);
    await converged(a, 'alice');
    await converged(b, 'alice');
    assert.equal((await pgProjects('alice')).length, 2);
    assert.equal((await pgProjects('alice')).find((x) => x.id === P(1)).name, 'edited on b');
  });

  // A soft delete stays a row; a delete and an owner change remove rows from alice's devices.
  await sql.query(`UPDATE projects SET deleted_at = now() WHERE id = $1`, [P(2)]);
  await eventually(async () => { await converged(a, 'alice'); await converged(b, 'alice'); });
  assert.ok((await projects(b)).find((x) => x.id === P(2)).deleted_at);
  await sql.query(`DELETE FROM projects WHERE id = $1`, [P(1)]);
  await sql.query(`UPDATE projects SET owner_id = 'carol' WHERE id = $1`, [P(2)]);
  await eventually(async () => {
    await converged(a, 'alice');
    await converged(b, 'alice');
    await converged(c, 'carol');
    assert.equal((await projects(a)).length, 0);
    assert.equal((await projects(c)).length, 2);
  });
});

if (process.env.SYNCSPEC_SYNC_FORMAT !== 'streams') {
  test('a token that expires mid-stream ends the stream; the client reconnects with a new one', async () => {
    await sql.query(`INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES
      ($1, 'first', 'dave', now(), now())`, [P(20)]);
    const d = await device('dave', 'dave', 2);
    await d.waitForFirstSync();
    await converged(d, 'dave');
    await new Promise((r) => setTimeout(r, 2500)); // the first token is gone
    await sql.query(`INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES
      ($1, 'after the token', 'dave', now(), now())`, [P(21)]);
    await eventually(async () => {
      await converged(d, 'dave');
      assert.equal((await projects(d)).length, 2);
    });
    const streams = serverLog.split('\n').filter((l) => l.includes('POST /sync/stream 200') && l.includes('user=dave'));
    assert.ok(streams.length >= 1, `a finished stream of dave in the log:\n${serverLog}`);
  });

  test('bad sync requests: 400 or 401 with a JSON reason', async () => {
    const post = (body, auth) => fetch(`${endpoint}/sync/stream`, { method: 'POST', body,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Token ${token('zed')}` } : {}) } });
    for (const body of ['nope', '[]', '{"buckets":[{"name":"b","after":"-1"}]}', '{"buckets":{}}']) {
      const r = await post(body, true);
      assert.equal(r.status, 400, body);
      assert.match((await r.json()).error, /sync request/);
    }
    const anonymous = await post('{}', false);
    assert.equal(anonymous.status, 401);
    assert.ok((await anonymous.json()).error);
    const wc = await fetch(`${endpoint}/write-checkpoint2.json?client_id=x`);
    assert.equal(wc.status, 401);
    const ok = await fetch(`${endpoint}/write-checkpoint2.json?client_id=x`, { headers: { authorization: `Bearer ${token('zed')}` } });
    assert.equal(ok.status, 200);
    assert.match((await ok.json()).data.write_checkpoint, /^[1-9][0-9]*$/);
  });

  test('a client that leaves frees its stream at once, not at the next line', async () => {
    const controller = new AbortController();
    const res = await fetch(`${endpoint}/sync/stream`, { method: 'POST', signal: controller.signal,
      body: '{"buckets":[]}', headers: { 'content-type': 'application/json', authorization: `Token ${token('yan')}` } });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    assert.match(new TextDecoder().decode((await reader.read()).value), /"checkpoint"/);
    controller.abort();
    // Well before the next keepalive (20 s), the server logs the stream as ended.
    await eventually(async () => assert.match(serverLog, /POST \/sync\/stream 200 .* user=yan/), 5000);
  });

  test('the server restarted mid-stream: clients reconnect and keep syncing', async () => {
    const e = await device('erin', 'erin');
    await sql.query(`INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES
      ($1, 'before', 'erin', now(), now())`, [P(30)]);
    await eventually(async () => assert.equal((await projects(e)).length, 1));
    await stopServer();
    await sql.query(`INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES
      ($1, 'while down', 'erin', now(), now())`, [P(31)]);
    await startServer(new URL(endpoint).port);
    await eventually(async () => {
      await converged(e, 'erin');
      assert.equal((await projects(e)).length, 2);
    }, 20000);
    assert.equal((await projects(e))[0].name, 'before');
  });
}
