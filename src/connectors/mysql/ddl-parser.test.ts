import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDdl, type DdlStatement } from './ddl-parser.js';
import { TidemarkError } from '../../event/tidemark-error.js';

const one = (sql: string, db: string | undefined = 'app_db'): DdlStatement => {
  const r = parseDdl(sql, db);
  assert.equal(r.length, 1, `one statement from ${sql}`);
  return r[0]!;
};
const int = { kind: 'integer', bytes: 4, unsigned: false } as const;

test('CREATE TABLE: columns, nullability, defaults, comments, inline and table primary keys', () => {
  const s = one(`CREATE TABLE IF NOT EXISTS \`orders\` (
    \`id\` int(11) NOT NULL AUTO_INCREMENT COMMENT 'the id',
    customer VARCHAR(100) CHARACTER SET latin1 NOT NULL DEFAULT '',
    price decimal(10,2) DEFAULT '0.00',
    note text,
    created timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    flags bit(3) DEFAULT b'101',
    state enum('new','paid','it''s') NOT NULL DEFAULT 'new',
    -- a comment
    # another comment
    /* block */ j json,
    PRIMARY KEY (\`id\`),
    KEY idx_customer (customer(10)),
    UNIQUE KEY uk (customer, price),
    CONSTRAINT fk_x FOREIGN KEY (customer) REFERENCES customers (name) ON DELETE CASCADE,
    FULLTEXT KEY ft (note)
  ) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='Orders'`);
  assert.deepEqual(s, {
    kind: 'create-table',
    table: { schemaName: 'app_db', tableName: 'orders' },
    ifNotExists: true,
    orReplace: false,
    schema: {
      columns: [
        { name: 'id', type: int, nullable: false, comment: 'the id' },
        {
          name: 'customer',
          type: { kind: 'string', length: 100, charset: 'latin1' },
          nullable: false,
          defaultValue: "''",
        },
        {
          name: 'price',
          type: { kind: 'decimal', precision: 10, scale: 2 },
          nullable: true,
          defaultValue: "'0.00'",
        },
        {
          name: 'note',
          type: { kind: 'string', text: 'text', charset: 'utf8mb4' },
          nullable: true,
          defaultValue: null,
        },
        {
          name: 'created',
          type: { kind: 'timestamp_ltz', precision: 3 },
          nullable: false,
          defaultValue: 'current_timestamp(3)',
        },
        { name: 'flags', type: { kind: 'bit', length: 3 }, nullable: true, defaultValue: "b'101'" },
        {
          name: 'state',
          type: { kind: 'enum', values: ['new', 'paid', "it's"] },
          nullable: false,
          defaultValue: "'new'",
        },
        { name: 'j', type: { kind: 'json' }, nullable: true, defaultValue: null },
      ],
      primaryKeys: ['id'],
      comment: 'Orders',
      charset: 'utf8mb4',
    },
  });
});

test('CREATE TABLE: qualified names, inline PRIMARY KEY, composite key, quoted identifiers', () => {
  const s = one(
    'create table `my``db`.`we.ird` (a bigint unsigned primary key, `b c` char(2) byte)',
    undefined,
  );
  assert.equal(s.kind, 'create-table');
  if (s.kind !== 'create-table') return;
  assert.deepEqual(s.table, { schemaName: 'my`db', tableName: 'we.ird' });
  assert.deepEqual(s.schema.primaryKeys, ['a']);
  assert.deepEqual(s.schema.columns[0], {
    name: 'a',
    type: { kind: 'integer', bytes: 8, unsigned: true },
    nullable: false,
  });
  assert.deepEqual(s.schema.columns[1]?.type, { kind: 'binary', length: 2, fixed: true });
  const k = one(
    'CREATE TABLE t (a INT, b INT, c INT NULL, CONSTRAINT pk PRIMARY KEY USING BTREE (b, a DESC))',
  );
  if (k.kind !== 'create-table') return assert.fail();
  assert.deepEqual(k.schema.primaryKeys, ['b', 'a']);
  assert.deepEqual(
    k.schema.columns.map((c) => c.nullable),
    [false, false, true],
  );
  const u = parseDdl('CREATE TABLE t (a int)', undefined)[0];
  assert.deepEqual(u?.kind === 'create-table' && u.table, { tableName: 't' });
});

test('CREATE TABLE as MariaDB SHOW CREATE TABLE writes it (MariaDB JSON = longtext + CHECK)', () => {
  const s = one(`CREATE TABLE \`a\` (
  \`id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  \`s1\` varchar(10) CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci DEFAULT NULL,
  \`j\` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(\`j\`)),
  \`g\` point DEFAULT NULL,
  \`ts\` timestamp(3) NULL DEFAULT NULL,
  \`c\` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  \`u\` uuid DEFAULT NULL,
  \`a\` varchar(10) DEFAULT 'it''s \\\\ x',
  \`lt\` mediumtext DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  UNIQUE KEY \`id\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  if (s.kind !== 'create-table') return assert.fail();
  const byName = Object.fromEntries(s.schema.columns.map((c) => [c.name, c]));
  assert.deepEqual(byName.s1?.type, { kind: 'string', length: 10, charset: 'utf8mb3' });
  assert.deepEqual(byName.j?.type, { kind: 'json' });
  assert.deepEqual(byName.g?.type, { kind: 'geometry', geometryType: 'point' });
  assert.equal(byName.c?.defaultValue, 'current_timestamp()');
  assert.equal(byName.a?.defaultValue, "'it''s \\\\ x'");
  assert.deepEqual(byName.lt?.type, { kind: 'string', text: 'medium', charset: 'utf8mb4' });
});

test('mysqldump output: versioned comments count, SET/LOCK/INSERT are other', () => {
  const dump = `
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8 */;
DROP TABLE IF EXISTS \`t1\`;
CREATE TABLE \`t1\` (
  \`id\` int(11) NOT NULL,
  \`v\` varchar(20) /*!80023 INVISIBLE */ DEFAULT NULL,
  PRIMARY KEY (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1;
/*!40101 SET character_set_client = @saved_cs_client */;
LOCK TABLES \`t1\` WRITE;
/*!40000 ALTER TABLE \`t1\` DISABLE KEYS */;
INSERT INTO \`t1\` VALUES (1,'a;b');
/*!40000 ALTER TABLE \`t1\` ENABLE KEYS */;
UNLOCK TABLES;`;
  const r = parseDdl(dump, 'shop');
  assert.deepEqual(
    r.map((s) => s.kind),
    [
      'other',
      'other',
      'drop-table',
      'create-table',
      'other',
      'other',
      'alter-table',
      'other',
      'alter-table',
      'other',
    ],
  );
  const c = r[3];
  if (c?.kind !== 'create-table') return assert.fail();
  assert.deepEqual(c.schema.columns[1]?.type, { kind: 'string', length: 20, charset: 'latin1' });
  assert.deepEqual(r[6], {
    kind: 'alter-table',
    table: { schemaName: 'shop', tableName: 't1' },
    ifExists: false,
    clauses: [],
  });
});

test('CREATE TABLE LIKE, CREATE OR REPLACE, TEMPORARY', () => {
  assert.deepEqual(one('CREATE TABLE IF NOT EXISTS b LIKE other.a'), {
    kind: 'create-like',
    table: { schemaName: 'app_db', tableName: 'b' },
    like: { schemaName: 'other', tableName: 'a' },
    ifNotExists: true,
    orReplace: false,
  });
  assert.equal(one('create table b (like a)').kind, 'create-like');
  assert.equal(one('CREATE OR REPLACE TABLE t (a int)').kind, 'create-table');
  assert.deepEqual(one('CREATE TEMPORARY TABLE t (a int)'), { kind: 'other' });
});

test('ALTER TABLE ADD as MariaDB writes it into the binlog; the table charset for new columns', () => {
  const [s] = parseDdl('ALTER TABLE app_db.orders ADD amount varchar(100) NULL', 'other', {
    tableCharset: (t) => (t.tableName === 'orders' ? 'latin1' : undefined),
  });
  assert.deepEqual(s, {
    kind: 'alter-table',
    table: { schemaName: 'app_db', tableName: 'orders' },
    ifExists: false,
    clauses: [
      {
        kind: 'add-column',
        column: {
          name: 'amount',
          type: { kind: 'string', length: 100, charset: 'latin1' },
          nullable: true,
          defaultValue: null,
        },
        ifNotExists: false,
        primaryKey: false,
        inheritsCharset: true,
      },
    ],
  });
});

test('ALTER TABLE: every clause in statement order', () => {
  const s = one(`ALTER TABLE orders
    ADD COLUMN c1 INT NOT NULL DEFAULT 0 FIRST,
    ADD c2 DATE AFTER c1,
    ADD (c3 TINYINT, c4 DOUBLE),
    ADD INDEX idx (c1), ADD UNIQUE KEY (c2), ADD CONSTRAINT fk FOREIGN KEY (c1) REFERENCES x (id),
    DROP COLUMN old1, DROP IF EXISTS old2, DROP INDEX idx2, DROP FOREIGN KEY fk2,
    MODIFY COLUMN price DECIMAL(12,4) NOT NULL,
    CHANGE COLUMN name full_name VARCHAR(200) NULL AFTER c1,
    RENAME COLUMN a TO b,
    ALTER COLUMN c1 SET DEFAULT 5, ALTER c2 DROP DEFAULT,
    ADD COLUMN id2 INT AUTO_INCREMENT PRIMARY KEY, ADD g INT AS (c1 + 1) VIRTUAL,
    RENAME TO archive.orders_2024,
    DROP PRIMARY KEY, ADD PRIMARY KEY (id, c1),
    CONVERT TO CHARACTER SET latin1, DEFAULT CHARSET = utf8mb4,
    ALGORITHM=INPLACE, LOCK=NONE`);
  if (s.kind !== 'alter-table') return assert.fail();
  assert.deepEqual(
    s.clauses.map((c) => {
      switch (c.kind) {
        case 'add-column':
          return `add ${c.column.name}${c.position ? ` ${c.position.kind}` : ''}${c.primaryKey ? ' pk' : ''}${c.computed ? ` ${c.computed}` : ''}`;
        case 'change-column':
          return `change ${c.from}→${c.column.name}${c.position ? ` ${c.position.kind}` : ''}`;
        case 'rename-column':
          return `rename ${c.from}→${c.to}`;
        case 'drop-column':
          return `drop ${c.column}${c.ifExists ? '?' : ''}`;
        case 'set-default':
          return `default ${c.column}=${String(c.defaultValue)}`;
        case 'add-primary-key':
          return `pk ${c.columns.join(',')}`;
        case 'drop-primary-key':
          return 'drop pk';
        case 'convert-charset':
          return `convert ${c.charset}`;
        case 'default-charset':
          return `charset ${c.charset}`;
        case 'rename-table':
          return `rename to ${c.to.schemaName}.${c.to.tableName}`;
        default:
          return assert.fail();
      }
    }),
    [
      'add c1 first',
      'add c2 after',
      'add c3',
      'add c4',
      'drop old1',
      'drop old2?',
      'change price→price',
      'change name→full_name after',
      'rename a→b',
      'default c1=5',
      'default c2=undefined',
      'add id2 pk auto-increment',
      'add g generated',
      'rename to archive.orders_2024',
      'drop pk',
      'pk id,c1',
      'convert latin1',
      'charset utf8mb4',
    ],
  );
});

test('ALTER TABLE with only options, MariaDB IF [NOT] EXISTS, ONLINE/IGNORE, partitions', () => {
  assert.deepEqual(one('ALTER TABLE t ENGINE=InnoDB ROW_FORMAT=DYNAMIC'), {
    kind: 'alter-table',
    table: { schemaName: 'app_db', tableName: 't' },
    ifExists: false,
    clauses: [],
  });
  const s = one(
    'ALTER ONLINE IGNORE TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS x int, DROP COLUMN IF EXISTS y',
  );
  if (s.kind !== 'alter-table') return assert.fail();
  assert.equal(s.ifExists, true);
  assert.deepEqual(
    s.clauses.map((c) => [
      c.kind,
      'ifExists' in c ? c.ifExists : 'ifNotExists' in c ? c.ifNotExists : undefined,
    ]),
    [
      ['add-column', true],
      ['drop-column', true],
    ],
  );
  const p = one('ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (2030))');
  assert.deepEqual(p.kind === 'alter-table' && p.clauses, []);
  const q = one('ALTER TABLE t PARTITION BY HASH(id) PARTITIONS 4');
  assert.deepEqual(q.kind === 'alter-table' && q.clauses, []);
});

test('DROP TABLE, RENAME TABLE, TRUNCATE', () => {
  assert.deepEqual(one('DROP TABLE IF EXISTS `t1`, db2.t2 /* generated by server */'), {
    kind: 'drop-table',
    ifExists: true,
    tables: [
      { schemaName: 'app_db', tableName: 't1' },
      { schemaName: 'db2', tableName: 't2' },
    ],
  });
  assert.deepEqual(one('RENAME TABLE a TO b, x.c TO y.d'), {
    kind: 'rename-table',
    renames: [
      { from: { schemaName: 'app_db', tableName: 'a' }, to: { schemaName: 'app_db', tableName: 'b' } },
      { from: { schemaName: 'x', tableName: 'c' }, to: { schemaName: 'y', tableName: 'd' } },
    ],
  });
  assert.deepEqual(one('truncate table `t`'), {
    kind: 'truncate',
    table: { schemaName: 'app_db', tableName: 't' },
  });
  assert.deepEqual(one('TRUNCATE t'), { kind: 'truncate', table: { schemaName: 'app_db', tableName: 't' } });
  assert.deepEqual(one('DROP TEMPORARY TABLE IF EXISTS t'), { kind: 'other' });
});

test('statements that do not touch table schemas', () => {
  for (const sql of [
    'BEGIN',
    'COMMIT',
    'CREATE DATABASE app_db',
    'CREATE INDEX idx ON t (a)',
    'DROP INDEX idx ON t',
    "GRANT SELECT ON *.* TO 'u'@'%'",
    'CREATE VIEW v AS SELECT 1',
    'FLUSH PRIVILEGES',
    "SET @a = 'x;y'",
    'CREATE USER x',
  ]) {
    for (const s of parseDdl(sql, 'd')) assert.deepEqual(s, { kind: 'other' }, sql);
  }
  assert.deepEqual(parseDdl('  ', 'd'), []);
  assert.deepEqual(parseDdl('-- only a comment', 'd'), []);
});

test('strings with escapes and semicolons, case-insensitivity', () => {
  const s = one(
    "create TABLE T (A VarChar(5) Default 'a\\'b;c' Comment \"x\\\"y\", B Set('p','q') NOT NULL)",
  );
  if (s.kind !== 'create-table') return assert.fail();
  assert.equal(s.schema.columns[0]?.defaultValue, "'a''b;c'");
  assert.equal(s.schema.columns[0]?.comment, 'x"y');
  assert.deepEqual(s.schema.columns[1]?.type, { kind: 'set', values: ['p', 'q'] });
});

test('unparseable DDL about a table throws SOURCE_SCHEMA with the SQL and the table', () => {
  const bad = [
    'CREATE TABLE t2 SELECT * FROM t1',
    'ALTER TABLE db.t ADD COLUMN x frobnicate(3)',
    'CREATE TABLE t (a int,',
  ];
  for (const sql of bad) {
    assert.throws(
      () => parseDdl(sql, 'app_db'),
      (e: unknown) =>
        e instanceof TidemarkError &&
        e.code === 'SOURCE_SCHEMA' &&
        e.message.includes(sql) &&
        typeof e.details?.table === 'object',
      sql,
    );
  }
});

test("MariaDB's SET STATEMENT … FOR prefix: the statement after FOR", () => {
  const s = one(
    "SET STATEMENT sql_mode = '', max_statement_time = (1 + 2) FOR ALTER TABLE t MODIFY e ENUM('a', 'for')",
  );
  assert.equal(s.kind, 'alter-table');
  assert.deepEqual(one('set statement lock_wait_timeout=5 for DROP TABLE t'), {
    kind: 'drop-table',
    tables: [{ schemaName: 'app_db', tableName: 't' }],
    ifExists: false,
  });
  assert.deepEqual(one("SET STATEMENT sql_mode = '' FOR INSERT INTO t VALUES (1)"), { kind: 'other' });
  assert.deepEqual(one("SET sql_mode = ''"), { kind: 'other' });
});
