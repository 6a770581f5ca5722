// Values of every type through the generated schemas and a real @powersync/node database
// (the spec of tests/golden/edge: every type and option): written through the generated
// Drizzle sqlite schema and read back with the declared TypeScript types, defaults
// applied; queued for upload in the form the server receives; and rows as PowerSync's
// sync writes them (booleans 1/0, JSON as text, timestamps as text) read back typed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { databases, loadTs } from './typescript_util.mjs';

const work = process.env.SYNCSPEC_TS_WORK;
const modules = path.join(work, 'node_modules');
const { PowerSyncDatabase } = await import(path.join(modules, '@powersync/node/lib/index.js'));
const { wrapPowerSyncWithDrizzle } = await import(path.join(modules, '@powersync/drizzle-driver/lib/src/index.js'));
const { eq } = await import(path.join(modules, 'drizzle-orm/index.js'));
const edge = await loadTs(path.join(work, 'edge', 'edge_drizzle_sqlite.ts'));

async function withDatabase(name, fn) {
  const db = new PowerSyncDatabase({
    schema: edge.EdgeDrizzleSchema,
    database: { dbFilename: `${name}.db`, dbLocation: databases },
  });
  await db.init();
  try {
    await fn(db, wrapPowerSyncWithDrizzle(db, { schema: edge.EdgeTables }));
  } finally {
    await db.close();
  }
}

const stamp = '2025-09-22T14:29:30.120Z';

test('edge: every type written through Drizzle reads back with its TypeScript type', async () => {
  await withDatabase('values-written', async (db, orm) => {
    const { group, order, user } = edge;
    await orm.insert(group).values({ id: 'g1', order: 7, select: "b'c", from: false, createdAt: stamp, updatedAt: stamp });
    await orm.insert(order).values({
      id: 'o1',
      total: -1.5,
      placedAt: stamp,
      meta: { list: [1, 2.5, 'three'], nested: { ok: true, none: null } },
      code: 'ABC-12',
      priority: 3,
      ratio: 2.25,
      path: 'C:\\x',
    });
    await orm.insert(user).values({ id: 'u1', key: 'k', value: [1, 'two'], int: 42, default: 'd', createdAt: stamp, updatedAt: stamp });

    const [g] = await orm.select().from(group).where(eq(group.id, 'g1'));
    assert.deepEqual(g, {
      id: 'g1', order: 7, select: "b'c", user: null, from: false,
      archived: false, // the spec's default, applied by Drizzle on the device
      userId: null, createdAt: stamp, updatedAt: stamp, deletedAt: null,
    });
    assert.equal(typeof g.from, 'boolean');

    const [o] = await orm.select().from(order).where(eq(order.id, 'o1'));
    assert.deepEqual(o, {
      id: 'o1', total: -1.5, placedAt: stamp,
      meta: { list: [1, 2.5, 'three'], nested: { ok: true, none: null } },
      code: 'ABC-12', note: 'héllo', parent: 'none', priority: 3, ratio: 2.25, path: 'C:\\x', userId: null,
    });

    const [u] = await orm.select().from(user).where(eq(user.id, 'u1'));
    assert.deepEqual(u.value, [1, 'two']);
    assert.equal(u.int, 42);

    // Defaults of every kind when nothing is given: real, JSON, text with a quote and
    // backslashes, an enum integer.
    await orm.insert(order).values({ id: 'o2', placedAt: stamp });
    const [d] = await orm.select().from(order).where(eq(order.id, 'o2'));
    assert.deepEqual(
      { total: d.total, meta: d.meta, note: d.note, parent: d.parent, priority: d.priority, path: d.path },
      { total: 0.25, meta: { a: null, b: [1, 2] }, note: 'héllo', parent: 'none', priority: 2, path: "C:\\dir\\it's" },
    );

    // What the connector uploads: the spec's column names, booleans as 1/0, JSON as text.
    const queued = [];
    for (let tx; (tx = await db.getNextCrudTransaction()); await tx.complete()) queued.push(...tx.crud);
    const put = queued.find((e) => e.table === 'group' && e.id === 'g1');
    assert.equal(put.op, 'PUT');
    assert.deepEqual(put.opData, { order: 7, select: "b'c", from: 0, archived: 0, created_at: stamp, updated_at: stamp });
    const meta = queued.find((e) => e.table === 'order' && e.id === 'o1').opData.meta;
    assert.deepEqual(JSON.parse(meta), { list: [1, 2.5, 'three'], nested: { ok: true, none: null } });
    // Local-only rows are never queued.
    assert.equal(queued.filter((e) => e.table === 'user').length, 0);
  });
});

test('edge: rows as the sync service delivers them read back typed through Drizzle', async () => {
  await withDatabase('values-synced', async (db, orm) => {
    // What PowerSync's sync writes for rows of the generated sync rules: bool as 1/0,
    // bigint as integer, double as number, jsonb as JSON text, timestamptz as text (here
    // in the service's legacy form).
    const rows = {
      group: { order: 1000000, select: 'd"e', user: 'o1', from: 1, archived: 0, user_id: 'u', created_at: '2025-09-22 14:29:30.12Z', updated_at: '2025-09-22 14:29:30.12Z' },
      order: { total: 1e6, placed_at: '2025-01-02T03:04:05.678Z', meta: '{"a": null, "b": [1, 2]}', priority: 1, ratio: 0.5, user_id: 'u' },
    };
    for (const [table, data] of Object.entries(rows))
      await db.execute(`INSERT INTO "ps_data__${table}" (id, data) VALUES (?, ?)`, ['s1', JSON.stringify(data)]);
    const [g] = await orm.select().from(edge.group).where(eq(edge.group.id, 's1'));
    assert.deepEqual(
      { order: g.order, select: g.select, user: g.user, from: g.from, archived: g.archived, createdAt: g.createdAt },
      { order: 1000000, select: 'd"e', user: 'o1', from: true, archived: false, createdAt: '2025-09-22 14:29:30.12Z' },
    );
    const [o] = await orm.select().from(edge.order).where(eq(edge.order.id, 's1'));
    assert.deepEqual(
      { total: o.total, placedAt: o.placedAt, meta: o.meta, priority: o.priority, ratio: o.ratio, note: o.note },
      { total: 1e6, placedAt: '2025-01-02T03:04:05.678Z', meta: { a: null, b: [1, 2] }, priority: 1, ratio: 0.5, note: null },
    );
    // Synced rows are not local writes: nothing to upload.
    assert.equal(await db.getNextCrudTransaction(), null);
  });
});
