import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { sharedMariaDb } from '../../../test/support/mariadb.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import {
  mapMysqlError,
  mysqlConnectionConfig,
  openMysqlConnection,
  openMysqlPool,
} from './mysql-connection.js';

async function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 1));
    });
  });
}

test('sessions read TIMESTAMP in UTC and numbers/dates as exact strings', async () => {
  const db = await sharedMariaDb();
  await db.createCdcUser('conn_user', 'conn-pw');
  const conn = await openMysqlConnection({
    host: db.host,
    port: db.port,
    user: 'conn_user',
    password: 'conn-pw',
  });
  try {
    const [rows] = await conn.query(
      "SELECT @@session.time_zone AS `tz`, CAST('12.50' AS DECIMAL(10,2)) AS `d`, 18446744073709551615 AS `big`, " +
        "CAST('2024-01-02 03:04:05.123' AS DATETIME(3)) AS `dt`, CAST('2024-01-02' AS DATE) AS `dd`, '😀' AS `emoji`",
    );
    assert.deepEqual(rows, [
      {
        tz: '+00:00',
        d: '12.50',
        big: '18446744073709551615',
        dt: '2024-01-02 03:04:05.123',
        dd: '2024-01-02',
        emoji: '😀',
      },
    ]);
  } finally {
    await conn.end();
  }
  const pool = openMysqlPool({ host: db.host, port: db.port, user: 'conn_user', password: 'conn-pw' }, 2);
  try {
    const [rows] = await pool.query('SELECT @@session.time_zone AS `tz`');
    assert.deepEqual(rows, [{ tz: '+00:00' }]);
  } finally {
    await pool.end();
  }
});

test('a wrong password → SOURCE_AUTH that never shows the password', async () => {
  const db = await sharedMariaDb();
  await db.createCdcUser('auth_user', 'right-pw');
  const password = 'Wr0ng-Secret-Pa55';
  const e = await openMysqlConnection({ host: db.host, port: db.port, user: 'auth_user', password }).then(
    () => assert.fail('connected'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof TidemarkError);
  assert.equal(e.code, 'SOURCE_AUTH');
  assert.equal(e.retryable, false);
  assert.match(
    e.message,
    new RegExp(`access denied for user auth_user at 127\\.0\\.0\\.1:${db.port}: check username/password`),
  );
  const everything = JSON.stringify({ m: e.message, d: e.details, s: e.stack, c: String(e.cause) });
  assert.equal(everything.includes(password), false);
});

test('an unreachable port → retryable SOURCE_CONNECT naming host:port', async () => {
  const port = await unusedPort();
  const e = await openMysqlConnection({
    host: '127.0.0.1',
    port,
    user: 'u',
    password: 'p4ssw0rd',
    connectTimeoutMs: 3000,
  }).then(
    () => assert.fail('connected'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof TidemarkError);
  assert.equal(e.code, 'SOURCE_CONNECT');
  assert.equal(e.retryable, true);
  assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.equal(e.message.includes('p4ssw0rd'), false);
});

test('errors are mapped; the password is redacted from any server text', () => {
  const o = { host: 'db.example', port: 3306, user: 'u', password: 'hunter22' };
  const e1 = mapMysqlError({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND db.example' }, o);
  assert.equal(e1.code, 'SOURCE_CONNECT');
  assert.match(e1.message, /db\.example:3306: host name not found/);
  const e2 = mapMysqlError({ errno: 1064, code: 'ER_PARSE_ERROR', message: "near 'hunter22'" }, o);
  assert.equal(e2.code, 'SOURCE_QUERY');
  assert.equal(e2.message.includes('hunter22'), false);
  const e3 = mapMysqlError({ errno: 1045, code: 'ER_ACCESS_DENIED_ERROR', message: 'x' }, o);
  assert.equal(e3.code, 'SOURCE_AUTH');
});

test('jdbc properties map to mysql2 options', () => {
  const base = { host: 'h', port: 1, user: 'u', password: 'p' };
  const notes: string[] = [];
  const logger = {
    debug: (m: string) => notes.push(m),
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    child: () => logger,
  };
  const c1 = mysqlConnectionConfig(
    { ...base, jdbcProperties: { useSSL: 'true', characterEncoding: 'latin1', useUnicode: 'true' } },
    logger,
  );
  assert.deepEqual(c1.ssl, { rejectUnauthorized: false });
  assert.equal(c1.charset, 'UTF8MB4_UNICODE_CI', 'text is read as utf8mb4 whatever characterEncoding says');
  assert.equal(notes.length, 1);
  const c2 = mysqlConnectionConfig({ ...base, jdbcProperties: { sslMode: 'VERIFY_IDENTITY' } });
  assert.deepEqual(c2.ssl, { rejectUnauthorized: true });
  const c3 = mysqlConnectionConfig({ ...base, jdbcProperties: { useSSL: 'false', requireSSL: 'true' } });
  assert.equal(c3.ssl, undefined);
  const c4 = mysqlConnectionConfig(base);
  assert.equal(c4.dateStrings, true);
  assert.equal(c4.bigNumberStrings, true);
  assert.equal(c4.decimalNumbers, false);
});
