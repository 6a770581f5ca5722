// The generated connector (generated/app_connector.ts) on a real @powersync/node database,
// uploading to a loopback HTTP endpoint. By default the endpoint passes each request on to
// a real `syncspec serve` for schemas/app.yaml and its answer back: applied when every op
// is valid, rejected when not. The answers a server gives when it cannot decide (retry,
// 503, garbage) are given by the endpoint itself on demand. A transaction is completed
// exactly on applied, duplicate, rejected and conflict, and stays queued, with the error
// thrown, on everything else.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { databases, loadTs, repoRoot, startServe } from './typescript_util.mjs';

const work = process.env.SYNCSPEC_TS_WORK;
const { PowerSyncDatabase } = await import(path.join(work, 'node_modules/@powersync/node/lib/index.js'));
const { AppSchema } = await loadTs(path.join(work, 'app', 'app_powersync.ts'));
const { AppConnector } = await loadTs(path.join(work, 'app', 'app_connector.ts'));

// The server's JWKS holds a key nobody signs with: tokens here are HS256, signed with its
// development secret.
const jwks = path.join(databases, 'connector-jwks.json');
const unused = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
fs.writeFileSync(jwks, JSON.stringify({ keys: [{ ...unused, kid: 'unused', alg: 'EdDSA', use: 'sig' }] }));
const secret = crypto.randomBytes(32).toString('hex');
const serve = await startServe(path.join(repoRoot, 'schemas/app.yaml'), path.join(repoRoot, 'generated'),
  ['--jwks', jwks, '--dev-secret', secret]);
function token(sub) {
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iat: now, exp: now + 3600 })}`;
  return `${body}.${crypto.createHmac('sha256', secret).update(body).digest('base64url')}`;
}
const token1 = token('user-1');

let mode = 'serve';
const requests = [];
const server = http.createServer(async (req, res) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  requests.push({ method: req.method, headers: req.headers, body: JSON.parse(text) });
  const opId = JSON.parse(text).transactions[0].op_id;
  const answer = (status, errors = [], id = opId) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ transactions: [{ op_id: id, status, errors }] }));
  };
  if (mode === 'serve') {
    const answer = await fetch(serve.endpoint + req.url, { method: req.method, body: text,
      headers: { 'content-type': req.headers['content-type'], authorization: req.headers.authorization } });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') });
    res.end(await answer.text());
  } else if (mode === '503') {
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end('{"error":"database unavailable"}');
  } else if (mode === 'not-json') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>proxy</html>');
  } else if (mode === 'other-transaction') {
    answer('applied', [], 'another');
  } else {
    answer(mode); // retry, duplicate, conflict, or an unknown status
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const uploadUrl = `http://127.0.0.1:${server.address().port}/api/powersync/upload`;

const notApplied = [];
let signedIn = true;
const connector = new AppConnector({
  uploadUrl,
  fetchCredentials: async () => (signedIn ? { endpoint: serve.endpoint, token: token1 } : null),
  onNotApplied: (result, ops) => notApplied.push({ result, ops }),
});

const stamp = '2025-09-22T14:29:30.120Z';
const db = new PowerSyncDatabase({
  schema: AppSchema,
  database: { dbFilename: 'connector.db', dbLocation: databases },
});
await db.init();
test.after(async () => {
  await db.close();
  server.close();
  await serve.stop();
});

const nextId = async () => (await db.getNextCrudTransaction())?.transactionId ?? null;

test('an applied transaction is completed, and the body names the client and the transaction', async () => {
  await db.execute(
    'INSERT INTO projects (id, name, is_default, created_at, updated_at) VALUES (uuid(), ?, 0, ?, ?)',
    ['Inbox', stamp, stamp],
  );
  const tx = await db.getNextCrudTransaction();
  mode = 'serve';
  await connector.uploadData(db);
  assert.equal(await nextId(), null);
  const inPg = await serve.sql.query('SELECT id, name, owner_id FROM projects');
  assert.deepEqual(inPg.rows, [{ id: tx.crud[0].id, name: 'Inbox', owner_id: 'user-1' }]);
  const { method, headers, body } = requests.at(-1);
  assert.equal(method, 'POST');
  assert.equal(headers.authorization, `Bearer ${token1}`);
  assert.match(headers['content-type'], /^application\/json/);
  assert.deepEqual(body, {
    client_id: await db.getClientId(),
    transactions: [
      {
        op_id: String(tx.transactionId),
        ops: [
          {
            op: 'PUT',
            table: 'projects',
            id: tx.crud[0].id,
            data: { name: 'Inbox', is_default: 0, created_at: stamp, updated_at: stamp },
          },
        ],
      },
    ],
  });
});

test('a rejected transaction is reported and completed (a retry cannot change it)', async () => {
  // No content and no device_id: the sanitizers refuse the document.
  await db.execute('INSERT INTO documents (id, title, created_at, updated_at) VALUES (uuid(), ?, ?, ?)', ['x', stamp, stamp]);
  mode = 'serve';
  await connector.uploadData(db);
  assert.equal(await nextId(), null);
  assert.equal(notApplied.length, 1);
  assert.equal(notApplied[0].result.status, 'rejected');
  assert.match(JSON.stringify(notApplied[0].result.errors), /content.*required/);
  assert.equal((await serve.sql.query('SELECT count(*)::int AS n FROM documents')).rows[0].n, 0);
  assert.equal(notApplied[0].ops[0].table, 'documents');
});

test('retry, 503, garbage, a missing verdict, an unknown status, no network and no credentials leave the transaction queued', async () => {
  await db.execute(
    'INSERT INTO documents (id, content, device_id, created_at, updated_at) VALUES (uuid(), ?, ?, ?, ?)',
    ['hello', 'device-1', stamp, stamp],
  );
  const id = await nextId();
  for (const [m, pattern] of [
    ['retry', /asks to retry/],
    ['503', /upload failed \(503\)/],
    ['not-json', /not JSON/],
    ['other-transaction', /no status for transaction/],
    ['maybe', /unknown upload status/],
  ]) {
    mode = m;
    await assert.rejects(connector.uploadData(db), pattern, m);
    assert.equal(await nextId(), id, `${m}: still queued`);
  }
  const offline = new AppConnector({ uploadUrl: 'http://127.0.0.1:1/upload', fetchCredentials: connector.fetchCredentials.bind(connector) });
  await assert.rejects(offline.uploadData(db), 'network error');
  assert.equal(await nextId(), id, 'network error: still queued');
  signedIn = false;
  await assert.rejects(connector.uploadData(db), /not signed in/);
  signedIn = true;
  assert.equal(await nextId(), id, 'signed out: still queued');
  // Then the server has it: a duplicate completes it.
  mode = 'duplicate';
  await connector.uploadData(db);
  assert.equal(await nextId(), null);
});

test('a conflict is reported and completed', async () => {
  await db.execute('DELETE FROM projects');
  mode = 'conflict';
  await connector.uploadData(db);
  assert.equal(await nextId(), null);
  assert.equal(notApplied.at(-1).result.status, 'conflict');
  assert.deepEqual(notApplied.at(-1).ops.map((op) => [op.op, op.table, op.data]), [['DELETE', 'projects', undefined]]);
});
