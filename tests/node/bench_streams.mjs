// Live downloads from `syncspec serve` (see tests/bench/bench_streams.sh): the server's RSS holding
// 1,000 idle streams, and the latency from a commit in PostgreSQL to the client reading its
// checkpoint_complete, over 100 live streams, beside a floor measured in the same run: the
// same commit's NOTIFY reaching a LISTENing client.
// Usage: node bench_streams.mjs ENDPOINT SERVER_PID SECRET (PG* in the env).
import crypto from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';

const [endpoint, pid, secret] = process.argv.slice(2);
const IDLE = 1000, LIVE = 100, ROUNDS = 300;

function token(sub) {
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(Date.now() / 1000) + 3600 })}`;
  return `${body}.${crypto.createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const rss = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

// A stream: resolves `ready` at its first checkpoint_complete; calls `onComplete` after.
function open(user) {
  const s = { ready: null, onComplete: null, controller: new AbortController() };
  s.ready = new Promise((resolve, reject) => {
    fetch(`${endpoint}/sync/stream`, {
      method: 'POST', signal: s.controller.signal,
      headers: { 'content-type': 'application/json', authorization: `Token ${token(user)}` },
      body: JSON.stringify({ buckets: [], client_id: user }),
    }).then(async (res) => {
      if (res.status !== 200) throw new Error(`stream ${user}: ${res.status}`);
      let text = '';
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        text += decoder.decode(chunk, { stream: true });
        let nl;
        while ((nl = text.indexOf('\n')) >= 0) {
          const line = text.slice(0, nl);
          text = text.slice(nl + 1);
          if (!line.startsWith('{"checkpoint_complete"')) continue;
          resolve();
          if (s.onComplete) s.onComplete();
        }
      }
    }).catch((e) => { if (e.name !== 'AbortError') reject(e); });
  });
  return s;
}

const sql = new pg.Client();
await sql.connect();
const before = rss();
const streams = [];
for (let i = 0; i < IDLE; i++) streams.push(open(`user${i}`));
await Promise.all(streams.map((s) => s.ready));
await new Promise((r) => setTimeout(r, 500));
const held = rss();
console.log(`${IDLE} idle streams: server RSS ${held.toFixed(0)} MiB (${before.toFixed(0)} MiB before; target <= 256)`);
for (const s of streams.slice(LIVE)) s.controller.abort();
await new Promise((r) => setTimeout(r, 1500));

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const insert = (i) => sql.query(`INSERT INTO projects (id, name, owner_id, created_at, updated_at)
  VALUES (gen_random_uuid()::text, 'bench', $1, now(), now())`, [`user${i % LIVE}`]);
const live = [];
for (let i = 0; i < ROUNDS; i++) {
  const s = streams[i % LIVE];
  const arrived = new Promise((r) => { s.onComplete = r; });
  const t0 = performance.now();
  await insert(i);
  await arrived;
  live.push(performance.now() - t0);
  s.onComplete = null;
}
// The floor: the same insert, and a NOTIFY in its transaction reaching a listener.
const listener = new pg.Client();
await listener.connect();
await listener.query('LISTEN bench_floor');
const floor = [];
for (let i = 0; i < ROUNDS; i++) {
  const arrived = new Promise((r) => listener.once('notification', r));
  const t0 = performance.now();
  await sql.query('BEGIN');
  await insert(i);
  await sql.query("SELECT pg_notify('bench_floor', '')");
  await sql.query('COMMIT');
  await arrived;
  floor.push(performance.now() - t0);
}
console.log(`live latency, commit to checkpoint_complete, ${LIVE} streams: p50 ${percentile(live, 0.5).toFixed(1)} ms,` +
  ` p99 ${percentile(live, 0.99).toFixed(1)} ms (target p99 < 200)`);
console.log(`  floor  commit to NOTIFY received: p50 ${percentile(floor, 0.5).toFixed(1)} ms, p99 ${percentile(floor, 0.99).toFixed(1)} ms`);
for (const s of streams.slice(0, LIVE)) s.controller.abort();
await listener.end();
await sql.end();
process.exit(0);
