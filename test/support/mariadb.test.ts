import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { startMariaDb, sharedMariaDb } from './mariadb.js';

test('startMariaDb starts a private server with the CDC settings and stop() removes it', async () => {
  const db = await startMariaDb({ timeZone: '+02:00', serverOptions: { max_connections: '50' } });
  try {
    assert.equal(db.host, '127.0.0.1');
    assert.ok(db.port > 0);
    const [vars] = await db.query<Record<string, unknown>[]>(
      'SELECT @@log_bin AS `log_bin`, @@binlog_format AS `fmt`, @@binlog_row_image AS `img`, ' +
        '@@binlog_row_metadata AS `meta`, @@character_set_server AS `cs`, @@time_zone AS `tz`, ' +
        '@@max_connections AS `maxc`, @@server_id AS `sid`',
    );
    assert.deepEqual(vars, {
      log_bin: '1',
      fmt: 'ROW',
      img: 'FULL',
      meta: 'FULL',
      cs: 'utf8mb4',
      tz: '+02:00',
      maxc: '50',
      sid: '1',
    });
    // multipleStatements and parameters
    const res = await db.query<unknown[]>('SELECT ? AS `a`; SELECT 2 AS `b`', ['x']);
    assert.deepEqual(res[0], [{ a: 'x' }]);
    await db.createCdcUser('cdc', 'secret-pw');
    const grants = await db.query<Record<string, string>[]>("SHOW GRANTS FOR 'cdc'@'%'");
    assert.match(Object.values(grants[0] ?? {})[0] ?? '', /REPLICATION SLAVE, BINLOG MONITOR/);
    assert.ok(readdirSync(db.binlogDir).some((f) => f.startsWith('mysql-bin.')));
    assert.ok(existsSync(db.dataDir));
  } finally {
    await db.stop();
  }
  assert.equal(existsSync(db.dataDir), false);
  await assert.rejects(db.connect());
});

test('sharedMariaDb is one lazily started server per process', async () => {
  const a = await sharedMariaDb();
  const b = await sharedMariaDb();
  assert.equal(a, b);
  const rows = await a.query<{ fmt: string }[]>('SELECT @@global.binlog_format AS `fmt`');
  assert.equal(rows[0]?.fmt, 'ROW');
  if (!process.env.TIDEMARK_TEST_MYSQL_PORT) {
    const tz = await a.query<{ tz: string }[]>('SELECT @@global.time_zone AS `tz`');
    assert.equal(tz[0]?.tz, '+05:30');
  }
});
