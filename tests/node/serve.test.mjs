// `syncspec serve` with the real @powersync/node client, run by tests/integration/serve.sh
// with SYNCSPEC_BIN, SERVE_DB (postgres.sql and postgres_sync.sql applied) and PG* set.
//
// These tests are about uploads alone, so each calls the real connector's uploadData(db) on
// the real database until getNextCrudTransaction() is null, as the SDK's upload loop would;
// tests/node/serve_sync.test.mjs connects clients to the sync stream as apps do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { generateKeyPairSync, createHmac, createSign, sign, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PowerSyncDatabase } from '@powersync/node';
import { loadGenerated } from './generated_schema.mjs';

const BIN = process.env.SYNCSPEC_BIN;
const DB = process.env.SERVE_DB;
const AUDIENCE = 'syncspec-test';
const ORIGIN = 'http://app.test';
const UPLOAD = '/api/powersync/upload';
const RUN = randomUUID().slice(0, 8); // labels of this run's rows

// ---- keys, tokens and the JWKS URL ----

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = (pair, kid, alg) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
let jwks = { keys: [jwk(rsa, 'rs', 'RS256'), jwk(ec, 'es', 'ES256'), jwk(ed, 'ed', 'EdDSA')] };

function token({ sub = 'alice', alg = 'RS256', kid = 'rs', key = rsa.privateKey, claims = {} } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg, kid, typ: 'JWT' });
  const body = b64({ sub, aud: AUDIENCE, iat: now, exp: now + 600, ...claims });
  const input = Buffer.from(`${head}.${body}`);
  let signature;
  if (alg === 'RS256') signature = createSign('RSA-SHA256').update(input).sign(key);
  else if (alg === 'ES256') signature = sign('sha256', input, { key, dsaEncoding: 'ieee-p1363' });
  else if (alg === 'EdDSA') signature = sign(null, input, key);
  else if (alg === 'HS256') signature = createHmac('sha256', key).update(input).digest();
  else signature = Buffer.alloc(0);
  return `${head}.${body}.${signature.toString('base64url')}`;
}

const keyServer = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(jwks));
});

// ---- the server and PostgreSQL ----

let server = null;
let base = '';
let log = '';
const issued = []; // every token sent, to check that none reaches the log

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['serve', 'schemas/app.yaml', '--postgres', `dbname=${DB}`,
      '--listen', '127.0.0.1:0', '--jwks', `http://127.0.0.1:${keyServer.address().port}/jwks`,
      '--audience', AUDIENCE, '--cors-origin', ORIGIN, '--pool', '4'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      log += text;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log);
      if (m && !base) {
        base = `http://127.0.0.1:${m[1]}`;
        resolve(child);
      }
    });
    child.on('exit', (code) => { if (!base) reject(new Error(`serve exited ${code}: ${log}`)); });
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.kill('SIGTERM');
  });
}

const pool = new pg.Pool({ database: DB, max: 2, application_name: 'serve-test' });
const one = async (sql, params = []) => (await pool.query(sql, params)).rows;
const count = async (sql, params = []) => Number((await one(sql, params))[0].count);

async function put(body, { auth = `Token ${token()}`, method = 'PUT', headers = {} } = {}) {
  issued.push(auth);
  const response = await fetch(base + UPLOAD, {
    method, body, headers: { Authorization: auth, 'Content-Type': 'application/json', ...headers },
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* checked by the caller */ }
  return { status: response.status, json, text, headers: response.headers };
}

// Rows of every table and of the bookkeeping: what a refused body must leave alone.
const snapshot = async () => (await one(
  `SELECT (SELECT count(*) FROM projects) p, (SELECT count(*) FROM documents) d,
          (SELECT count(*) FROM syncspec_applied_ops) a, (SELECT count(*) FROM syncspec_rejected_uploads) r,
          (SELECT coalesce(max(updated_at)::text, '') FROM projects) u`))[0];

before(async () => {
  await new Promise((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
  server = await startServer();
});

after(async () => {
  if (server) await stopServer(server);
  keyServer.close();
  await pool.end();
  const tokens = issued.map((auth) => auth.replace(/^\S+ +/, '').split(' ')[0]).filter((t) => t.length > 20);
  assert.ok(tokens.length > 0);
  for (const t of tokens) assert.ok(!log.includes(t), 'a token reached the log');
});

// ---- the PowerSync client ----

// The generated client schema.
const { AppSchema: schema } = await loadGenerated('generated/app_powersync.ts');

const dirs = [];
const devices = [];
async function openDevice() {
  const dir = mkdtempSync(join(tmpdir(), 'syncspec-serve-'));
  dirs.push(dir);
  const db = new PowerSyncDatabase({ schema, database: { dbFilename: 'app.db', dbLocation: dir } });
  await db.init();
  devices.push(db);
  return db;
}
// Closed here too, so that a failed test leaves no worker that keeps node running.
after(async () => {
  for (const db of devices) await db.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function authenticatedFetchFor(user, hooks = {}) {
  return async (path, init = {}) => {
    const auth = `Token ${token({ sub: user })}`;
    issued.push(auth);
    const response = await fetch(base + path, { ...init, headers: { ...init.headers, Authorization: auth } });
    if (hooks.afterFetch) await hooks.afterFetch(response);
    return response;
  };
}

// The seed's connector, verbatim but for authenticatedFetch (given per user).
function seedConnector(authenticatedFetch) {
  return {
    async uploadData(database) {
      const transaction = await database.getNextCrudTransaction();
      if (!transaction) return;
      // Map CRUD entries to upload format
      const ops = transaction.crud.map((entry) => ({
        op: entry.op,
        table: entry.table,
        data: entry.opData,
        id: entry.id,
      }));
      const opId = String(
        transaction.transactionId ?? transaction.crud[0]?.clientId ?? Date.now()
      );
      try {
        const response = await authenticatedFetch("/api/powersync/upload", {
          method: "PUT",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            transactions: [{ op_id: opId, ops }],
          }),
        });
        if (!response.ok) {
          const message = await response.text().catch(() => null);
          throw new Error(message || `Upload failed (${response.status})`);
        }
      } catch (error) {
        // Network errors: DON'T complete transaction -- let PowerSync retry
        throw error;
      }
      // ALWAYS complete transaction after successful HTTP response
      // Even if server returned an error in the body, complete to prevent
      // infinite retry loops
      await transaction.complete();
    },
  };
}

// The recommended connector: the client id and the SDK's own op shape; completes only what
// the server applied, already had, or refused for good.
function recommendedConnector(authenticatedFetch, results = []) {
  return {
    async uploadData(database) {
      const transaction = await database.getNextCrudTransaction();
      if (!transaction) return;
      const response = await authenticatedFetch(UPLOAD, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          client_id: await database.getClientId(),
          transactions: [{ op_id: String(transaction.transactionId), ops: transaction.crud.map((e) => e.toJSON()) }],
        }),
      });
      if (!response.ok) throw new Error(`upload failed (${response.status}): ${await response.text()}`);
      const [result] = (await response.json()).transactions;
      results.push(result);
      if (!['applied', 'duplicate', 'rejected'].includes(result.status)) throw new Error(`upload: ${result.status}`);
      await transaction.complete();
    },
  };
}

// PowerSync's demo connectors: a {"batch": [...]} of toJSON() ops, completed together.
function batchConnector(authenticatedFetch) {
  return {
    async uploadData(database) {
      const batch = await database.getCrudBatch(100);
      if (!batch) return;
      const response = await authenticatedFetch(UPLOAD, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_id: await database.getClientId(), batch: batch.crud.map((e) => e.toJSON()) }),
      });
      if (!response.ok) throw new Error(`upload failed (${response.status}): ${await response.text()}`);
      await batch.complete();
    },
  };
}

// The SDK's upload loop, run by hand: uploadData until the queue is empty. Errors are
// retried as the SDK would; a queue that does not empty fails the test.
async function drain(db, connector) {
  for (let i = 0; i < 200; i++) {
    if (!(await db.getNextCrudTransaction())) return i;
    try { await connector.uploadData(db); } catch { /* the SDK retries later */ }
  }
  assert.fail('the upload queue is stuck');
}

const stamp = () => new Date().toISOString();
async function addProject(db, name, id = randomUUID()) {
  await db.execute('INSERT INTO projects (id, name, is_default, created_at, updated_at) VALUES (?, ?, 0, ?, ?)',
    [id, name, stamp(), stamp()]);
  return id;
}

// Writes of every kind on a device: standalone inserts, a multi-statement transaction,
// an update and a delete. Returns the ids and what PostgreSQL must hold for them.
async function work(db, name) {
  const label = `${name}-${RUN}`;
  const expected = new Map();
  for (let i = 0; i < 3; i++) expected.set(await addProject(db, `${label} ${i}`), `${label} ${i}|f`);
  const [a, b] = [randomUUID(), randomUUID()];
  await db.writeTransaction(async (tx) => {
    for (const id of [a, b]) {
      await tx.execute('INSERT INTO projects (id, name, is_default, created_at, updated_at) VALUES (?, ?, 0, ?, ?)',
        [id, `${label} tx`, stamp(), stamp()]);
    }
    await tx.execute('INSERT INTO documents (id, content, project_id, device_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      [randomUUID(), 'hello', a, label, stamp(), stamp()]);
  });
  expected.set(a, `${label} renamed|f`).set(b, `${label} tx|t`);
  await db.execute('UPDATE projects SET name = ? WHERE id = ?', [`${label} renamed`, a]);
  await db.execute('DELETE FROM projects WHERE id = ?', [b]);
  return expected;
}

async function assertInPostgres(expected, owner) {
  const ids = [...expected.keys()];
  const rows = await one(`SELECT id, name || '|' || CASE WHEN deleted_at IS NULL THEN 'f' ELSE 't' END AS v, owner_id
                          FROM projects WHERE id = ANY($1)`, [ids]);
  assert.deepEqual(new Map(rows.map((r) => [r.id, r.v])), expected);
  for (const r of rows) assert.equal(r.owner_id, owner);
}

// ---- tests ----

test('two devices of one user, the seed connector verbatim: every write reaches PostgreSQL', async () => {
  const [a, b] = [await openDevice(), await openDevice()];
  const connector = seedConnector(authenticatedFetchFor('alice'));
  const [wa, wb] = [await work(a, 'seed-a'), await work(b, 'seed-b')];
  // Interleaved, as two devices online at once: both start at transaction id 1.
  await drain(a, connector);
  await drain(b, connector);
  await assertInPostgres(wa, 'alice');
  await assertInPostgres(wb, 'alice');
  assert.equal(await count('SELECT count(*) FROM documents WHERE device_id = ANY($1)', [[`seed-a-${RUN}`, `seed-b-${RUN}`]]), 2);
  // A retried transaction (its answer lost) is applied again, which changes nothing.
  const again = await addProject(a, 'seed-a again');
  let lose = true;
  const lossy = seedConnector(authenticatedFetchFor('alice', {
    afterFetch: () => { if (lose) { lose = false; throw new Error('connection reset'); } },
  }));
  assert.equal(await drain(a, lossy), 2);
  await assertInPostgres(new Map([[again, 'seed-a again|f']]), 'alice');
  await a.close();
  await b.close();
});

test('two devices of one user, the recommended connector: client ids keep retries exact', async () => {
  const [a, b] = [await openDevice(), await openDevice()];
  assert.notEqual(await a.getClientId(), await b.getClientId());
  const results = [];
  let lose = true;
  const connector = recommendedConnector(authenticatedFetchFor('alice', {
    afterFetch: () => { if (lose) { lose = false; throw new Error('connection reset'); } },
  }), results);
  const [wa, wb] = [await work(a, 'rec-a'), await work(b, 'rec-b')];
  await drain(a, connector);
  await drain(b, connector);
  await assertInPostgres(wa, 'alice');
  await assertInPostgres(wb, 'alice');
  // The first answer was lost: its transaction came again and was a duplicate, not applied twice.
  assert.deepEqual(results.map((r) => r.status).filter((s) => s !== 'applied'), ['duplicate']);
  assert.equal(await count('SELECT count(*) FROM syncspec_applied_ops WHERE client_id = ANY($1)',
    [[await a.getClientId(), await b.getClientId()]]), results.length);
  await a.close();
  await b.close();
});

test('the demo connectors\' {"batch": [...]} body applies, grouped by transaction', async () => {
  const db = await openDevice();
  const expected = await work(db, 'batch');
  await drain(db, batchConnector(authenticatedFetchFor('alice')));
  await assertInPostgres(expected, 'alice');
  await db.close();
});

test("a third user's writes never touch alice's rows", async () => {
  const [alice, mallory] = [await openDevice(), await openDevice()];
  const id = await addProject(alice, 'alice owns this');
  await drain(alice, seedConnector(authenticatedFetchFor('alice')));
  const before = (await one('SELECT name, updated_at::text, owner_id FROM projects WHERE id = $1', [id]))[0];
  // Mallory writes rows with alice's id: a PUT, an update, a delete, each refused whole.
  await addProject(mallory, 'taken', id);
  await mallory.execute('UPDATE projects SET name = ? WHERE id = ?', ['renamed', id]);
  const own = await addProject(mallory, 'mallory owns this');
  await mallory.execute('DELETE FROM projects WHERE id = ?', [id]);
  const results = [];
  await drain(mallory, recommendedConnector(authenticatedFetchFor('mallory'), results));
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'applied', 'rejected']);
  assert.ok(results.every((r) => r.status === 'applied' || r.errors[0].code === 'forbidden'));
  assert.deepEqual((await one('SELECT name, updated_at::text, owner_id FROM projects WHERE id = $1', [id]))[0], before);
  await assertInPostgres(new Map([[own, 'mallory owns this|f']]), 'mallory');
  await alice.close();
  await mallory.close();
});

test('tokens: RS256, ES256 and EdDSA verify; bad ones get 401 with a reason', async () => {
  const body = JSON.stringify({ transactions: [] });
  for (const [alg, kid, key] of [['RS256', 'rs', rsa.privateKey], ['ES256', 'es', ec.privateKey], ['EdDSA', 'ed', ed.privateKey]]) {
    const r = await put(body, { auth: `Bearer ${token({ alg, kid, key })}` });
    assert.equal(r.status, 200, `${alg}: ${r.text}`);
  }
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [token({ claims: { exp: now - 3600 } }), /expired/],
    [token({ claims: { nbf: now + 3600 } }), /not valid yet/],
    [token({ claims: { aud: 'another-app' } }), /audience/],
    [token({ key: stranger.privateKey }), /signature/],
    [token({ kid: 'nobody' }), /not in the JWKS/],
    [token({ sub: '' }), /no sub/],
    [token({ alg: 'none' }), /not a signed JWT/],
    [token({ alg: 'HS256', key: 'a development secret of 32 bytes!' }), /algorithm is not RS256, ES256 or EdDSA/],
    [token().slice(0, -10), /signature|not a signed JWT/],
    // Five parts, as an encrypted token has: refused before any JWE parsing.
    [`${token()}.e30.e30`, /not a signed JWT/],
    [`${token()}=`, /not a signed JWT/],
  ];
  for (const [t, reason] of cases) {
    const r = await put(body, { auth: `Token ${t}` });
    assert.equal(r.status, 401, r.text);
    assert.match(r.json.error, reason);
  }
  for (const auth of ['', 'Basic YWxpY2U6cHc=', 'Token ', `Token ${token()} extra`]) {
    const r = await put(body, { auth });
    assert.equal(r.status, 401, `${auth}: ${r.text}`);
    assert.ok(r.json.error);
  }
});

test('a JWKS rotated at its URL is picked up', async () => {
  const body = JSON.stringify({ transactions: [] });
  const fresh = token({ kid: 'new', key: rotated.privateKey });
  assert.equal((await put(body, { auth: `Token ${fresh}` })).status, 401);
  jwks = { keys: [jwk(rotated, 'new', 'RS256')] };
  await new Promise((resolve) => setTimeout(resolve, 1100)); // one refetch a second at most
  assert.equal((await put(body, { auth: `Token ${fresh}` })).status, 200);
  assert.equal((await put(body, { auth: `Token ${token()}` })).status, 401); // the old key is gone
  jwks.keys.push(jwk(rsa, 'rs', 'RS256'), jwk(ec, 'es', 'ES256'), jwk(ed, 'ed', 'EdDSA'));
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal((await put(body, { auth: `Token ${token()}` })).status, 200);
});

test('bad bodies get a clear error and leave PostgreSQL untouched', async () => {
  const start = await snapshot();
  const project = (name) => ({ op: 'PUT', table: 'projects', id: randomUUID(), data: { name } });
  const cases = [
    ['not json', 400, /malformed JSON/],
    ['{"transactions":{}}', 400, /no "transactions" or "batch" list/],
    ['{"transactions":[{"ops":[]}]}', 400, /no op_id/],
    ['{"batch":[{"op":"PUT","type":"projects","id":"x"}]}', 400, /tx_id/],
    ['{"client_id":5,"transactions":[]}', 400, /client_id/],
    [JSON.stringify({ transactions: [{ op_id: '1', ops: [project('x')] }] }) + '\u0000', 400, /NUL/],
    ['['.repeat(100000), 400, /malformed JSON|nest/],
    [JSON.stringify({ transactions: [{ op_id: '1', ops: [project('x'.repeat(10 << 20))] }] }), 413, /too large/],
    [JSON.stringify({ transactions: [{ op_id: '1', ops: Array.from({ length: 100000 }, () => project('p')) }] }), 413, /too large/],
  ];
  for (const [body, status, reason] of cases) {
    const r = await put(body);
    assert.equal(r.status, status, `${body.slice(0, 60)}: ${r.text.slice(0, 200)}`);
    assert.match(r.json.error, reason);
  }
  assert.deepEqual(await snapshot(), start);
  // Not routes: JSON too.
  const missing = await fetch(`${base}/nowhere`);
  assert.equal(missing.status, 404);
  assert.ok((await missing.json()).error);
  const wrong = await fetch(base + UPLOAD, { method: 'DELETE' });
  assert.equal(wrong.status, 405);
  assert.match(wrong.headers.get('allow'), /PUT, POST/);
});

test('CORS: preflight and answers for allowed origins only; /healthz', async () => {
  const pre = await fetch(base + UPLOAD, { method: 'OPTIONS', headers: {
    Origin: ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization, content-type' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(pre.headers.get('access-control-allow-methods'), /PUT/);
  assert.match(pre.headers.get('access-control-allow-headers'), /authorization/);
  const other = await fetch(base + UPLOAD, { method: 'OPTIONS', headers: { Origin: 'http://evil.test' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const r = await put(JSON.stringify({ transactions: [] }), { headers: { Origin: ORIGIN } });
  assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  assert.match(log, /PUT \/api\/powersync\/upload 200 [\d.]+ms user=alice/);
});

// Holds a lock on a row, so that an upload writing it waits inside its transaction.
async function lockRow(id) {
  const client = await pool.connect();
  await client.query('BEGIN');
  await client.query('UPDATE projects SET name = name WHERE id = $1', [id]);
  return client;
}

// The pid of the server's backend waiting for a lock, once there is one.
async function waitingBackend() {
  for (let i = 0; i < 250; i++) {
    const rows = await one(`SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
    if (rows.length) return rows[0].pid;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('the upload never reached the locked row');
}

test('a database connection lost mid-upload: 503, so the client retries; then it reconnects', async () => {
  const locked = await addProjectRow('locked for 503');
  const lock = await lockRow(locked);
  const body = JSON.stringify({ client_id: `c-503-${RUN}`, transactions: [{ op_id: '1', ops: [
    { op: 'PUT', table: 'projects', id: randomUUID(), data: { name: `retry me ${RUN}` } },
    { op: 'PATCH', table: 'projects', id: locked, data: { name: `patched ${RUN}` } }] }] });
  const pending = put(body);
  await one('SELECT pg_terminate_backend($1)', [await waitingBackend()]);
  const lost = await pending;
  assert.equal(lost.status, 503, lost.text);
  assert.equal(lost.json.transactions[0].status, 'retry');
  await lock.query('COMMIT');
  lock.release();
  // Idle connections the server closed meanwhile are found and reset, not failed.
  await one(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND application_name <> 'serve-test'`);
  const again = await put(body);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.transactions[0].status, 'applied');
  assert.equal(await count('SELECT count(*) FROM projects WHERE name = ANY($1)', [[`retry me ${RUN}`, `patched ${RUN}`]]), 2);
});

test('SIGTERM mid-upload: the upload in flight finishes, nothing is lost', async () => {
  const locked = await addProjectRow('locked');
  const lock = await lockRow(locked);
  // 500 new rows, then a PUT of the locked row: the upload waits inside its transaction.
  const ops = Array.from({ length: 500 }, (_, i) => ({ op: 'PUT', table: 'projects', id: randomUUID(), data: { name: `term ${RUN} ${i}` } }));
  ops.push({ op: 'PUT', table: 'projects', id: locked, data: { name: 'after the lock' } });
  const pending = put(JSON.stringify({ client_id: `c-term-${RUN}`, transactions: [{ op_id: '1', ops }] }));
  await waitingBackend();
  const exited = stopServer(server);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await lock.query('COMMIT');
  lock.release();
  const r = await pending;
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.transactions[0].status, 'applied');
  assert.deepEqual(await exited, { code: 0, signal: null });
  server = null;
  assert.equal(await count(`SELECT count(*) FROM projects WHERE name LIKE $1 OR id = $2`, [`term ${RUN} %`, locked]), 501);
  assert.equal((await one('SELECT name FROM projects WHERE id = $1', [locked]))[0].name, 'after the lock');
  assert.match(log, /SIGTERM: finishing the requests in flight[\s\S]*stopped/);
});

async function addProjectRow(name) {
  const id = randomUUID();
  await one(`INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES ($1, $2, 'alice', now(), now())`, [id, name]);
  return id;
}
