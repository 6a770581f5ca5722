// The real @powersync/node client applying the same 100,000-row initial sync the C store
// applies in tests/bench/bench_download.c (see bench_download.sh): a small HTTP server, in a
// process of its own, answers POST /sync/stream with the recorded lines; the client connects
// and is timed until its first checkpoint is applied and holds every row.
// Usage: node bench_download.mjs STREAM.ndjson APP_POWERSYNC.ts
//        node bench_download.mjs --serve STREAM.ndjson   (the server; prints its port)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

if (process.argv[2] === '--serve') {
  const stream = fs.readFileSync(process.argv[3]);
  // The last line, checkpoint_complete, is preceded by the checkpoint: an answer to a client
  // that has everything already (it reconnects when a response ends).
  const lines = stream.toString().trimEnd().split('\n');
  const again = `${lines[0]}\n${lines[lines.length - 1]}\n`;
  let first = true;
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.method !== 'POST' || req.url !== '/sync/stream') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end(first ? stream : again);
    first = false;
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
} else {
  const [file, schemaFile] = process.argv.slice(2);
  const { PowerSyncDatabase } = await import('@powersync/node');
  const { loadGenerated } = await import('./generated_schema.mjs');
  const { AppSchema: schema } = await loadGenerated(schemaFile);
  const rows = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{"data"'))
    .reduce((n, l) => n + JSON.parse(l).data.data.length, 0);

  const server = spawn(process.execPath, [import.meta.filename, '--serve', file],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    server.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())));
    server.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncspec-bench-download-'));
  const b64 = (x) => Buffer.from(JSON.stringify(x)).toString('base64url');
  // Nobody checks it: the server replays the stream to anyone.
  const token = `${b64({ alg: 'none' })}.${b64({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 3600 })}.x`;
  const db = new PowerSyncDatabase({ schema, database: { dbFilename: 'bench.db', dbLocation: dir } });
  await db.init();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await db.connect({
    fetchCredentials: async () => ({ endpoint: `http://127.0.0.1:${port}`, token }),
    uploadData: async () => {},
  }, { retryDelayMs: 100 });
  await db.waitForFirstSync();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const { n } = await db.get('SELECT count(*) AS n FROM documents WHERE title IS NOT NULL');
  await db.disconnectAndClear().catch(() => {});
  await db.close();
  server.kill();
  fs.rmSync(dir, { recursive: true, force: true });
  if (n !== rows) {
    console.error(`bench_download: @powersync/node holds ${n} of ${rows} rows`);
    process.exit(1);
  }
  const ms = (cpu.user + cpu.system) / 1000;
  console.log(`  @powersync/node 1.1.0 applying the same stream: ${ms.toFixed(0)} ms CPU ` +
    `(${(rows / ms * 1000).toFixed(0)} rows/s; ${wall.toFixed(0)} ms wall, every thread)`);
}
