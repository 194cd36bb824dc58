// Cost of ordering chunk keys by the server's collation: a snapshot of a table keyed by a string
// while a stream of UPDATEs runs, per key collation. utf8mb4_general_ci keys are weighed by the
// server (WEIGHT_STRING, batched); utf8mb4_bin keys are compared in JS (code points); an INT key
// is the baseline. Prints, per key: snapshot seconds, tidemark CPU seconds, UPDATE statements run
// during the snapshot, and the weight queries (and values weighed, values found cached).
//   npx tsx bench/snapshot/key-order.ts [--rows 200000] [--chunk 1000] [--batch 20] [--rate 400] [--keys ci,bin,int]
// --batch: rows changed per UPDATE statement (many row events per binlog batch); --rate: UPDATE
// statements per second at most (the same stream for every key; 0: as fast as the server goes).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMariaDb } from '../../test/support/mariadb.js';
import { startTidemark, tempDir, writePipeline } from '../../test/support/tidemark-cli.js';

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : def;
};
const rows = Number(arg('--rows', '200000'));
const chunk = Number(arg('--chunk', '1000'));
const batch = Number(arg('--batch', '20'));
const rate = Number(arg('--rate', '400'));
const keys = arg('--keys', 'ci,bin,int').split(',');

const KEY_TYPES: Record<string, string> = {
  ci: 'VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci',
  bin: 'VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
  int: 'INT',
};
const keyOf = (name: string, n: number): string =>
  name === 'int' ? String(n) : `'k${n % 2 ? '_' : 'a'}${String(n).padStart(8, '0')}'`;

function cpuSeconds(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

function logLine(stderr: string, msg: string): string | undefined {
  return stderr.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
}
const logTime = (stderr: string, msg: string): number => {
  const m = /"ts":"([^"]+)"/.exec(logLine(stderr, msg) ?? '');
  return m ? Date.parse(m[1]!) : NaN;
};

const db = await startMariaDb();
try {
  for (const name of keys) {
    const type = KEY_TYPES[name];
    if (!type) throw new Error(`unknown key ${name}`);
    await db.query(`DROP DATABASE IF EXISTS bench; CREATE DATABASE bench;
      CREATE TABLE bench.t (k ${type} NOT NULL PRIMARY KEY, v INT NOT NULL, pad VARCHAR(100));
      INSERT INTO bench.t SELECT ${name === 'int' ? 'seq' : `CONCAT('k', IF(seq % 2, '_', 'a'), LPAD(seq, 8, '0'))`}, 0, REPEAT('p', 60)
        FROM bench.seq_1_to_${rows};
      ANALYZE TABLE bench.t;`);
    const dir = tempDir('tidemark-bench-');
    const pipeline = writePipeline(dir, {
      port: db.port,
      tables: 'bench.t',
      duckdbPath: join(dir, 'sink.duckdb'),
      name: `bench-${name}`,
      extraSource: { 'scan.incremental.snapshot.chunk.size': chunk },
    });
    writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace('parallelism: 1', 'parallelism: 2'));
    const child = startTidemark([
      'run',
      pipeline,
      '--state-dir',
      join(dir, 'state'),
      '--exit-when-caught-up',
    ]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let cpu = 0;
    const timer = setInterval(() => (cpu = Math.max(cpu, cpuSeconds(child.pid!))), 100);
    // UPDATEs of random rows, `batch` rows per statement, until the snapshot is done
    const conn = await db.connect();
    let updates = 0;
    let done = false;
    void child.result.then(() => (done = true));
    const t0 = Date.now();
    while (!done && !/"msg":"snapshot done"/.test(stderr)) {
      const ks = Array.from({ length: batch }, () => keyOf(name, 1 + Math.floor(Math.random() * rows)));
      await conn.query(`UPDATE bench.t SET v = v + 1 WHERE k IN (${ks.join(', ')})`);
      updates++;
      const ahead = rate > 0 ? (updates * 1000) / rate - (Date.now() - t0) : 0;
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
    const loopS = (Date.now() - t0) / 1000;
    await conn.end();
    const r = await child.result;
    clearInterval(timer);
    if (r.code !== 0) throw new Error(`tidemark failed (${name}):\n${r.stderr.slice(-3000)}`);
    const snapS = (logTime(stderr, 'snapshot done') - logTime(stderr, 'snapshot started')) / 1000;
    const weights = /"keyWeights":(\{[^}]*\})/.exec(logLine(stderr, 'snapshot of table done') ?? '')?.[1];
    process.stdout.write(
      `${name.padEnd(3)} ${type}: snapshot ${snapS.toFixed(1)} s, tidemark CPU ${cpu.toFixed(1)} s, ` +
        `${updates} UPDATEs of ${batch} rows during it (${(updates / loopS).toFixed(0)}/s), weights ${weights ?? 'none'}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await db.stop();
}
