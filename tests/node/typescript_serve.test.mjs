// The generated TypeScript end to end through a real `syncspec serve` (the spec of
// tests/golden/edge: every type and option), on the PostgreSQL the test run started: a
// real @powersync/node device opened with the generated DrizzleAppSchema writes every type
// through the generated Drizzle sqlite schema, the generated connector uploads the writes,
// they land in PostgreSQL with the right values, a second device of the same user syncs
// them down, and both devices hold exactly the same rows, equal to PostgreSQL's, read back
// with the declared TypeScript types.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { databases, loadTs, repoRoot, startServe } from './typescript_util.mjs';

const work = process.env.SYNCSPEC_TS_WORK;
const modules = path.join(work, 'node_modules');
const { PowerSyncDatabase } = await import(path.join(modules, '@powersync/node/lib/index.js'));
const { wrapPowerSyncWithDrizzle } = await import(path.join(modules, '@powersync/drizzle-driver/lib/src/index.js'));
const { eq } = await import(path.join(modules, 'drizzle-orm/index.js'));
const edge = await loadTs(path.join(work, 'edge', 'edge_drizzle_sqlite.ts'));
const { EdgeConnector } = await loadTs(path.join(work, 'edge', 'edge_connector.ts'));
const expected = path.join(repoRoot, 'tests/golden/edge');

// ---- a JWKS, the server and its PostgreSQL ----

const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
const jwks = path.join(databases, 'serve-jwks.json');
fs.writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'e1', alg: 'EdDSA', use: 'sig' }] }));
function token(sub) {
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'EdDSA', kid: 'e1', typ: 'JWT' })}.${b64({ sub, iat: now, exp: now + 3600 })}`;
  return `${body}.${crypto.sign(null, Buffer.from(body), privateKey).toString('base64url')}`;
}

const serve = await startServe(path.join(expected, 'spec.yaml'), path.join(expected, 'expected'), ['--jwks', jwks]);
const { endpoint, sql } = serve;
// Timestamps as text, so they are compared as PostgreSQL holds them, not through Date.
serve.pg.types.setTypeParser(1184, (x) => x);

const devices = [];
async function device(name, user) {
  const db = new PowerSyncDatabase({ schema: edge.EdgeDrizzleSchema, database: { dbFilename: `${name}.db`, dbLocation: databases } });
  const notApplied = [];
  const connector = new EdgeConnector({
    uploadUrl: `${endpoint}/api/powersync/upload`,
    fetchCredentials: async () => ({ endpoint, token: token(user) }),
    onNotApplied: (result, ops) => notApplied.push({ result, ops }),
  });
  await db.connect(connector, { retryDelayMs: 200, crudUploadThrottleMs: 20 });
  devices.push(db);
  return { db, orm: wrapPowerSyncWithDrizzle(db, { schema: edge.EdgeTables }), notApplied };
}

after(async () => {
  for (const db of devices) await db.close().catch(() => {});
  await serve.stop();
});

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

// Every synced row of a device, read through Drizzle, by table and id.
async function rows(orm) {
  const out = {};
  for (const name of ['group', 'order', 'aTableWithARatherLongNameToForceIndexShortening']) {
    out[name] = await orm.select().from(edge[name]).orderBy(edge[name].id);
  }
  return out;
}

const stamp = '2025-09-22T14:29:30.120Z';

test('edge: every type written on one device lands in PostgreSQL and on a second device, typed', async () => {
  const a = await device('serve-a', 'alice');
  await a.db.waitForFirstSync();
  const { group, order, aTableWithARatherLongNameToForceIndexShortening: long } = edge;
  await a.orm.insert(group).values({ id: 'g1', order: 1000000, select: "b'c", from: false, createdAt: stamp, updatedAt: stamp, userId: 'alice' });
  await a.orm.insert(group).values({ id: 'g2', order: 0, select: 'd"e', user: 'o1', from: true, archived: true, createdAt: stamp, updatedAt: stamp, deletedAt: '2025-12-31T23:59:59.999Z', userId: 'alice' });
  await a.orm.insert(order).values({
    id: 'o1', total: 0.1, placedAt: '1999-01-01T00:00:00.001Z', code: 'ABC-12', note: 'ÿé🎉', parent: 'g1',
    meta: { list: [1, 2.5, 'three', 1e-7], nested: { ok: true, none: null }, 'ü': '日本' },
    priority: 3, ratio: 2.25, path: 'C:\\x\n"y"', userId: 'alice',
  });
  await a.orm.insert(order).values({ id: 'o2', placedAt: stamp, userId: 'alice' }); // every default
  await a.orm.insert(long).values({ id: 'l1', anEquallyLongColumnNameForTheIndex: 'x', secondLongColumnNameInTheSameIndex: -42, createdAt: stamp, updatedAt: stamp, userId: 'alice' });
  await a.orm.update(group).set({ order: 7, archived: null }).where(eq(group.id, 'g1'));

  // Uploaded, applied and synced back: nothing queued, nothing refused.
  await eventually(async () => assert.equal((await a.db.getAll('SELECT 1 FROM ps_crud')).length, 0));
  assert.deepEqual(a.notApplied, []);

  // In PostgreSQL with the right values and types.
  const g = (await sql.query('SELECT * FROM "group" ORDER BY id')).rows;
  assert.equal(g.length, 2);
  assert.deepEqual({ ...g[0], created_at: Date.parse(g[0].created_at) }, {
    id: 'g1', order: '7', select: "b'c", user: null, from: false, archived: null, user_id: 'alice',
    created_at: Date.parse(stamp), updated_at: g[0].updated_at, deleted_at: null,
  });
  assert.equal(g[1].from, true);
  assert.equal(g[1].archived, true);
  assert.equal(Date.parse(g[1].deleted_at), Date.parse('2025-12-31T23:59:59.999Z'));
  const o = (await sql.query('SELECT * FROM "order" ORDER BY id')).rows;
  assert.deepEqual({ ...o[0], placed_at: Date.parse(o[0].placed_at) }, {
    id: 'o1', total: 0.1, placed_at: Date.parse('1999-01-01T00:00:00.001Z'), code: 'ABC-12', note: 'ÿé🎉',
    parent: 'g1', meta: { list: [1, 2.5, 'three', 1e-7], nested: { ok: true, none: null }, 'ü': '日本' },
    priority: '3', ratio: 2.25, path: 'C:\\x\n"y"', user_id: 'alice',
  });
  // The spec's defaults, applied on the device by Drizzle, reach PostgreSQL as values.
  assert.deepEqual({ ...o[1], placed_at: Date.parse(o[1].placed_at) }, {
    id: 'o2', total: 0.25, placed_at: Date.parse(stamp), code: null, note: 'héllo', parent: 'none',
    meta: { a: null, b: [1, 2] }, priority: '2', ratio: null, path: "C:\\dir\\it's", user_id: 'alice',
  });
  const l = (await sql.query('SELECT * FROM a_table_with_a_rather_long_name_to_force_index_shortening')).rows;
  assert.equal(l[0].second_long_column_name_in_the_same_index, '-42');

  // A second device of the same user: the same rows as the first, byte for byte, and as
  // PostgreSQL's, typed as the generated schema declares.
  const b = await device('serve-b', 'alice');
  await b.db.waitForFirstSync();
  const onA = await eventually(async () => {
    const r = await rows(a.orm);
    assert.equal(r.group.find((x) => x.id === 'g1').createdAt, (await rows(b.orm)).group[0].createdAt);
    return r;
  });
  const onB = await rows(b.orm);
  assert.deepEqual(onB, onA);
  const [g1, g2] = onB.group;
  assert.equal(typeof g1.from, 'boolean');
  assert.deepEqual(
    { order: g1.order, select: g1.select, from: g1.from, archived: g1.archived, userId: g1.userId, deletedAt: g1.deletedAt },
    { order: 7, select: "b'c", from: false, archived: null, userId: 'alice', deletedAt: null },
  );
  assert.deepEqual({ from: g2.from, archived: g2.archived, user: g2.user }, { from: true, archived: true, user: 'o1' });
  for (const [row, pgRow] of [[g1, g[0]], [g2, g[1]]]) {
    assert.equal(Date.parse(row.createdAt), Date.parse(pgRow.created_at));
    assert.equal(Date.parse(row.updatedAt), Date.parse(pgRow.updated_at));
  }
  assert.equal(Date.parse(g2.deletedAt), Date.parse(g[1].deleted_at));
  const [o1, o2] = onB.order;
  assert.deepEqual({ ...o1, placedAt: Date.parse(o1.placedAt) }, {
    id: 'o1', total: 0.1, placedAt: Date.parse('1999-01-01T00:00:00.001Z'), code: 'ABC-12', note: 'ÿé🎉',
    parent: 'g1', meta: o[0].meta, priority: 3, ratio: 2.25, path: 'C:\\x\n"y"', userId: 'alice',
  });
  assert.deepEqual({ ...o2, placedAt: Date.parse(o2.placedAt) }, {
    id: 'o2', total: 0.25, placedAt: Date.parse(stamp), code: null, note: 'héllo', parent: 'none',
    meta: { a: null, b: [1, 2] }, priority: 2, ratio: null, path: "C:\\dir\\it's", userId: 'alice',
  });
  assert.deepEqual(onB.aTableWithARatherLongNameToForceIndexShortening.map((x) => x.secondLongColumnNameInTheSameIndex), [-42]);
  assert.deepEqual(b.notApplied, []);
});

test('edge: a write the server refuses is reported, completed, and undone on the device', async () => {
  const c = await device('serve-c', 'carol');
  await c.db.waitForFirstSync();
  const { order } = edge;
  await c.orm.insert(order).values({ id: 'bad', placedAt: stamp, code: 'abc', userId: 'carol' }); // not ^[A-Z]{3}-\d+$
  await c.orm.insert(order).values({ id: 'good', placedAt: stamp, code: 'XYZ-1', userId: 'carol' });
  await eventually(async () => {
    assert.equal((await c.db.getAll('SELECT 1 FROM ps_crud')).length, 0);
    assert.deepEqual((await c.orm.select().from(order)).map((x) => x.id), ['good']);
  });
  assert.equal(c.notApplied.length, 1);
  assert.equal(c.notApplied[0].result.status, 'rejected');
  assert.match(JSON.stringify(c.notApplied[0].result.errors), /code/);
  assert.deepEqual(c.notApplied[0].ops.map((op) => op.id), ['bad']);
  const inPg = await sql.query(`SELECT id FROM "order" WHERE user_id = 'carol'`);
  assert.deepEqual(inPg.rows, [{ id: 'good' }]);
  // Nothing of alice's on carol's device.
  assert.deepEqual((await rows(c.orm)).group, []);
});
