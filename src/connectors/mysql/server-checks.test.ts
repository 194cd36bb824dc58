import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedMariaDb, startMariaDb, type MariaDbInstance } from '../../../test/support/mariadb.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import { openMysqlConnection, type MysqlConnectionOptions } from './mysql-connection.js';
import { checkServerForCdc, currentBinlogPosition, globalPrivileges, listBinlogs } from './server-checks.js';

let special: MariaDbInstance | undefined;
let noBinlog: MariaDbInstance | undefined;

before(async () => {
  [special, noBinlog] = await Promise.all([
    startMariaDb({ serverOptions: { binlog_format: 'STATEMENT', binlog_row_image: 'MINIMAL' } }),
    startMariaDb({ serverOptions: { 'skip-log-bin': '' } }),
  ]);
});
after(async () => {
  await Promise.all([special?.stop(), noBinlog?.stop()]);
});

const opts = (db: MariaDbInstance, user: string, password: string): MysqlConnectionOptions => ({
  host: db.host,
  port: db.port,
  user,
  password,
  connectTimeoutMs: 5000,
});

async function checkAs(db: MariaDbInstance, user: string, password: string): Promise<unknown> {
  const conn = await openMysqlConnection(opts(db, user, password));
  try {
    return await checkServerForCdc(conn);
  } finally {
    await conn.end();
  }
}

function isCode(code: string, re?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof TidemarkError, `not a TidemarkError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return true;
  };
}

test('a ROW/FULL MariaDB with a proper CDC user passes and describes itself', async () => {
  const db = await sharedMariaDb();
  await db.createCdcUser('cdc_ok', 'pw-ok');
  const info = (await checkAs(db, 'cdc_ok', 'pw-ok')) as Awaited<ReturnType<typeof checkServerForCdc>>;
  assert.equal(info.flavor, 'mariadb');
  assert.match(info.version, /MariaDB/);
  assert.equal(info.versionNumbers[0] >= 10, true);
  assert.equal(info.logBin, true);
  assert.equal(info.binlogFormat, 'ROW');
  assert.equal(info.binlogRowImage, 'FULL');
  assert.equal(info.binlogRowMetadata, 'FULL');
  assert.equal(info.binlogChecksum, 'CRC32');
  assert.equal(info.gtidMode, undefined);
  assert.equal(typeof info.mariadbGtidCurrentPos, 'string');
  assert.ok(info.globalPrivileges.includes('REPLICATION SLAVE'));
  assert.ok(info.globalPrivileges.includes('BINLOG MONITOR'));
  assert.deepEqual(info.warnings, []);
  // root has ALL PRIVILEGES
  const root = (await checkAs(db, db.rootUser, db.rootPassword)) as { globalPrivileges: string[] };
  assert.ok(root.globalPrivileges.includes('ALL PRIVILEGES'));
});

test('binlog_format=STATEMENT, then binlog_row_image=MINIMAL → SOURCE_BINLOG_CONFIG', async () => {
  const db = special!;
  await assert.rejects(checkAs(db, 'root', ''), isCode('SOURCE_BINLOG_CONFIG', /binlog_format=ROW/));
  await db.query("SET GLOBAL binlog_format = 'ROW'");
  await assert.rejects(
    checkAs(db, 'root', ''),
    isCode('SOURCE_BINLOG_CONFIG', /binlog_row_image is MINIMAL.*FULL/),
  );
});

test('log_bin OFF → SOURCE_BINLOG_CONFIG; SHOW MASTER STATUS has nothing', async () => {
  const db = noBinlog!;
  await assert.rejects(checkAs(db, 'root', ''), isCode('SOURCE_BINLOG_CONFIG', /log_bin=OFF/));
  const conn = await openMysqlConnection(opts(db, 'root', ''));
  try {
    await assert.rejects(currentBinlogPosition(conn), isCode('SOURCE_BINLOG_CONFIG'));
  } finally {
    await conn.end();
  }
});

test('a user without replication privileges → SOURCE_PRIVILEGE naming the GRANT', async () => {
  const db = await sharedMariaDb();
  await db.createCdcUser('cdc_select', 'pw-sel', 'SELECT');
  await assert.rejects(
    checkAs(db, 'cdc_select', 'pw-sel'),
    isCode('SOURCE_PRIVILEGE', /GRANT REPLICATION SLAVE, REPLICATION CLIENT ON \*\.\* TO 'cdc_select'@'%'/),
  );
  await db.createCdcUser('cdc_client', 'pw-cl', 'SELECT, REPLICATION CLIENT');
  await assert.rejects(
    checkAs(db, 'cdc_client', 'pw-cl'),
    isCode('SOURCE_PRIVILEGE', /lacks REPLICATION SLAVE on/),
  );
});

test('currentBinlogPosition and listBinlogs', async () => {
  const db = await sharedMariaDb();
  await db.query(
    'CREATE DATABASE IF NOT EXISTS `sc_pos`; CREATE TABLE IF NOT EXISTS `sc_pos`.`t` (`id` INT PRIMARY KEY)',
  );
  const conn = await openMysqlConnection(opts(db, db.rootUser, db.rootPassword));
  try {
    const p1 = await currentBinlogPosition(conn);
    assert.match(p1.file, /^mysql-bin\.\d{6}$/);
    assert.ok(p1.pos >= 4);
    await db.query('INSERT INTO `sc_pos`.`t` VALUES (1)');
    const p2 = await currentBinlogPosition(conn);
    assert.ok(p2.file > p1.file || p2.pos > p1.pos);
    assert.match(p2.gtid ?? '', /^\d+-\d+-\d+/);
    const logs = await listBinlogs(conn);
    assert.ok(logs.length >= 1);
    assert.equal(logs.at(-1)?.name, p2.file);
    assert.equal(logs.at(-1)?.size, p2.pos);
  } finally {
    await conn.end();
  }
});

test('globalPrivileges parses SHOW GRANTS lines', () => {
  assert.deepEqual(
    globalPrivileges([
      "GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `cdc`@`%` IDENTIFIED BY PASSWORD '*X'",
      'GRANT INSERT ON `db`.* TO `cdc`@`%`',
      'GRANT ALL ON *.* TO `x`@`%`',
    ]),
    ['SELECT', 'REPLICATION SLAVE', 'BINLOG MONITOR', 'ALL PRIVILEGES'],
  );
});
