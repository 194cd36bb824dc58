import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbMemoryLimit, memoryLimitBytes } from './duckdb-memory-limit.js';
import { openSink, tempDb } from './duckdb-test-support.js';

const MB = 2 ** 20;
const BASE = 32 * MB;

/**
 * Writes `rows` 32-character string keys (~66 bytes of index each) in transactions of 50k rows
 * under a 32 MB memory_limit, adjusting it after each commit when `limit` is given.
 */
async function fillStringKeys(file: string, rows: number, limit?: DuckDbMemoryLimit): Promise<string> {
  const db = await DuckDBInstance.create(file, { memory_limit: `${BASE}B`, threads: '1' });
  const conn = await db.connect();
  try {
    await conn.run('CREATE TABLE "Odd name" (k VARCHAR PRIMARY KEY, v INTEGER)');
    for (let i = 0; i < rows; i += 50_000) {
      await conn.run(
        `BEGIN; INSERT INTO "Odd name" SELECT md5(range::VARCHAR), range FROM range(${i}, ${i + 50_000}); COMMIT`,
      );
      if (limit !== undefined) await limit.adjust(conn);
    }
    const r = await conn.runAndReadAll(`SELECT current_setting('memory_limit')`);
    return r.getRowsJS()[0]![0] as string;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

test('a fixed memory_limit stops taking rows once the primary-key index outgrows it', async () => {
  const t = tempDb();
  try {
    await assert.rejects(
      fillStringKeys(join(t.dir, 'fixed.duckdb'), 800_000),
      /failed to pin block|could not allocate block|out of memory/i,
    );
  } finally {
    t.cleanup();
  }
});

test('DuckDbMemoryLimit raises memory_limit as the index grows; a reopened file starts from its index', async () => {
  const t = tempDb();
  const file = join(t.dir, 'grows.duckdb');
  try {
    const limit = new DuckDbMemoryLimit(BASE);
    const setting = await fillStringKeys(file, 800_000, limit);
    // ~800k keys × ~66 bytes ≈ 50 MB of index: the limit follows it.
    assert.ok(limit.limitBytes > 55 * MB, `limit ${limit.limitBytes / MB} MB`);
    assert.ok(limit.limitBytes < 120 * MB, `limit ${limit.limitBytes / MB} MB`);
    assert.match(setting, /MiB/);
    assert.ok(
      Math.abs(Number.parseFloat(setting) * MB - limit.limitBytes) < MB,
      `${setting} vs ${limit.limitBytes}`,
    );

    // After a restart the index is on disk, not in memory: measured there.
    const db = await DuckDBInstance.create(file, { memory_limit: `${BASE}B` });
    const conn = await db.connect();
    try {
      const fresh = new DuckDbMemoryLimit(BASE);
      const change = await fresh.adjust(conn);
      assert.ok(change !== undefined && change.indexBytes > 30 * MB, JSON.stringify(change));
      assert.equal(await fresh.adjust(conn), undefined, 'nothing changed: the limit stays');
      // The reopened file takes more keys under the raised limit.
      await conn.run(`INSERT INTO "Odd name" SELECT md5(range::VARCHAR), range FROM range(800000, 850000)`);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  } finally {
    t.cleanup();
  }
});

test('index bytes: table data is not counted, also when only some tables changed since the last scan', async () => {
  const t = tempDb();
  const db = await DuckDBInstance.create(join(t.dir, 'two.duckdb'));
  const conn = await db.connect();
  try {
    await conn.run('CREATE TABLE keyed (k VARCHAR PRIMARY KEY); CREATE TABLE plain (v VARCHAR)');
    await conn.run('INSERT INTO keyed SELECT md5(range::VARCHAR) FROM range(300000)');
    await conn.run("INSERT INTO plain SELECT repeat('x', 100) || range FROM range(300000)");
    await conn.run('CHECKPOINT');
    const limit = new DuckDbMemoryLimit(BASE);
    await limit.adjust(conn);
    const first = limit.indexBytes;
    // ~300k keys × ~66 bytes: ~20 MB; the 30+ MB of table data is not in it.
    assert.ok(first > 12 * MB && first < 28 * MB, `index ${first / MB} MB`);
    // Only the table without an index grows: the index stays the same size.
    for (let i = 1; i <= 4; i++) {
      await conn.run(
        `INSERT INTO plain SELECT repeat('y', 100) || range FROM range(${i * 300000}, ${(i + 1) * 300000})`,
      );
      await conn.run('CHECKPOINT');
      await limit.adjust(conn);
    }
    assert.ok(
      Math.abs(limit.indexBytes - first) < 3 * MB,
      `index ${first / MB} → ${limit.indexBytes / MB} MB`,
    );
  } finally {
    conn.closeSync();
    db.closeSync();
    t.cleanup();
  }
});

test('index bytes: long BLOB and TEXT values (overflow blocks) are table data, not index', async () => {
  const t = tempDb();
  const db = await DuckDBInstance.create(join(t.dir, 'blobs.duckdb'));
  const conn = await db.connect();
  try {
    await conn.run('CREATE TABLE docs (id INTEGER PRIMARY KEY, b BLOB, s VARCHAR)');
    // 100 rows of 512 KB + 256 KB: ~77 MB of values, a few KB of index
    await conn.run(
      'INSERT INTO docs SELECT range, repeat(md5(range::VARCHAR)::BLOB, 16384), ' +
        'repeat(md5(range::VARCHAR), 8192) FROM range(100)',
    );
    await conn.run('CHECKPOINT');
    const limit = new DuckDbMemoryLimit(BASE);
    await limit.adjust(conn);
    assert.ok(limit.indexBytes < 2 * MB, `index ${limit.indexBytes / MB} MB`);
    assert.equal(limit.limitBytes, BASE);
  } finally {
    conn.closeSync();
    db.closeSync();
    t.cleanup();
  }
});

test('the sink raises its default limit at open for a file whose index outgrew 128 MB, not a set one', async () => {
  const t = tempDb();
  const file = join(t.dir, 'big.duckdb');
  try {
    const db = await DuckDBInstance.create(file);
    const conn = await db.connect();
    await conn.run('CREATE TABLE big (k VARCHAR PRIMARY KEY)');
    await conn.run('INSERT INTO big SELECT md5(range::VARCHAR) FROM range(1200000)'); // ~80 MB of index
    conn.closeSync();
    db.closeSync();
    const raised = (logs: Record<string, unknown>[]) =>
      logs.filter((l) => l.msg === 'DuckDB memory_limit raised for the primary-key indexes');

    const byDefault = await openSink(file);
    await byDefault.sink.close();
    const [change] = raised(byDefault.logs);
    assert.ok(change !== undefined, JSON.stringify(byDefault.logs));
    assert.ok(Number(change.indexMB) > 60 && Number(change.memoryLimitMB) > 128, JSON.stringify(change));

    const set = await openSink(file, { 'memory.limit': '512MB' });
    await set.sink.close();
    assert.deepEqual(raised(set.logs), []);
  } finally {
    t.cleanup();
  }
});

test('limitFor: the base without indexes, then half the base plus 110% of the pinned bytes', () => {
  const l = new DuckDbMemoryLimit(128 * MB);
  assert.equal(l.limitFor(0), 128 * MB);
  assert.equal(l.limitFor(50 * MB), 128 * MB);
  assert.equal(l.limitFor(400 * MB), 64 * MB + 440 * MB);
});

test('fitTransaction raises the limit while a transaction needs more; endTransaction sets it back', async () => {
  const db = await DuckDBInstance.create(':memory:', { memory_limit: `${BASE}B` });
  const conn = await db.connect();
  const setting = async (): Promise<number> => {
    const r = await conn.runAndReadAll(`SELECT current_setting('memory_limit')`);
    return Number.parseFloat(r.getRowsJS()[0]![0] as string);
  };
  try {
    const l = new DuckDbMemoryLimit(BASE);
    assert.equal(await l.fitTransaction(conn, 10 * MB), undefined, 'fits the base');
    const change = await l.fitTransaction(conn, 100 * MB);
    assert.equal(change?.limitBytes, l.limitFor(100 * MB));
    assert.equal(l.limitBytes, 16 * MB + 110 * MB);
    assert.equal(await setting(), 126);
    assert.equal(await l.fitTransaction(conn, 50 * MB), undefined, 'never lowered in a transaction');
    await l.endTransaction(conn);
    assert.equal(l.limitBytes, BASE);
    assert.equal(await setting(), 32);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
});

test('memoryLimitBytes reads sizes as DuckDB does', () => {
  assert.equal(memoryLimitBytes('64MB'), 64e6);
  assert.equal(memoryLimitBytes(' 1.5 GiB '), 1.5 * 2 ** 30);
  assert.equal(memoryLimitBytes('512kb'), 512e3);
  assert.equal(memoryLimitBytes('lots'), undefined);
});
