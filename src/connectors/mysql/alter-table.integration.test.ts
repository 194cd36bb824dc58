// Differential test of DDL tracking: random multi-clause ALTER TABLE statements run on MariaDB;
// what the parser and applyAlterTable make of them must equal the schema the server then reports
// (column order, names, types, nullability, primary key), and the derived schema changes must turn
// the old schema into the new one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connection } from 'mysql2/promise';
import { sharedMariaDb, type MariaDbInstance } from '../../../test/support/mariadb.js';
import { Prng } from '../../../test/support/prng.js';
import { applySchemaChange } from '../../event/schema-change.js';
import type { TableSchema } from '../../event/table-schema.js';
import { applyAlterTable } from './alter-table.js';
import { parseDdl } from './ddl-parser.js';
import { openMysqlConnection } from './mysql-connection.js';
import { loadTableSchemas } from './schema-loader.js';

const DB = 'alter_it';
let db: MariaDbInstance;
let conn: Connection;

before(async () => {
  db = await sharedMariaDb();
  await db.query(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB} CHARACTER SET utf8mb4`);
  conn = await openMysqlConnection({
    host: db.host,
    port: db.port,
    user: db.rootUser,
    password: db.rootPassword,
  });
  await conn.query(`USE ${DB}`);
});
after(async () => {
  await conn?.end();
});

const TYPES = [
  'INT',
  'INT UNSIGNED',
  'BIGINT',
  'TINYINT',
  'SMALLINT UNSIGNED',
  'DECIMAL(10,2)',
  'DECIMAL(12,4)',
  'DOUBLE',
  'VARCHAR(20)',
  'VARCHAR(40)',
  'VARCHAR(10) CHARACTER SET latin1',
  'CHAR(5)',
  'TEXT',
  'DATETIME(3)',
  'DATE',
  "ENUM('a','b','c')",
  'VARBINARY(16)',
];

function columnDef(r: Prng, name: string): string {
  const type = r.pick(TYPES);
  const notNull = r.chance(0.3) ? ' NOT NULL' : '';
  return `\`${name}\` ${type}${notNull}`;
}

function position(r: Prng, names: readonly string[]): string {
  if (r.chance(0.6) || names.length === 0) return '';
  return r.chance(0.3) ? ' FIRST' : ` AFTER \`${r.pick(names)}\``;
}

/** One random clause against the current column names (may be refused by the server: skipped). */
function clause(r: Prng, names: string[], fresh: () => string): string {
  const existing = (): string => r.pick(names);
  switch (r.int(0, 10)) {
    case 0:
    case 1:
      return `ADD COLUMN ${r.chance(0.2) ? 'IF NOT EXISTS ' : ''}${columnDef(r, r.chance(0.1) ? existing() : fresh())}${position(r, names)}`;
    case 2:
      return `DROP COLUMN ${r.chance(0.2) ? 'IF EXISTS ' : ''}\`${r.chance(0.1) ? fresh() : existing()}\``;
    case 3:
      return `MODIFY COLUMN ${columnDef(r, existing())}${position(r, names)}`;
    case 4:
      return `CHANGE COLUMN \`${existing()}\` ${columnDef(r, r.chance(0.5) ? existing() : fresh())}${position(r, names)}`;
    case 5:
    case 6:
      return `RENAME COLUMN \`${existing()}\` TO \`${r.chance(0.4) ? existing() : fresh()}\``;
    case 7:
      return r.chance(0.5) ? 'DROP PRIMARY KEY' : `ADD PRIMARY KEY (\`${existing()}\`)`;
    case 8:
      return `ALTER COLUMN \`${existing()}\` SET DEFAULT NULL`;
    case 9:
      return r.chance(0.5) ? 'CONVERT TO CHARACTER SET latin1' : 'DEFAULT CHARSET = latin1';
    default:
      return `ADD COLUMN (${columnDef(r, fresh())}, ${columnDef(r, fresh())})`;
  }
}

const load = async (table: string): Promise<TableSchema> =>
  (await loadTableSchemas(conn, [{ schemaName: DB, tableName: table }])).get(`${DB}.${table}`)!;

/** What the comparison looks at: defaults and comments are not tracked through ALTER. */
const shape = (s: TableSchema): unknown => ({
  columns: s.columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable })),
  primaryKeys: s.primaryKeys,
});

test('random ALTER TABLE statements: the tracked schema equals the one the server reports', async () => {
  const r = new Prng(Number(process.env.ALTER_SEED ?? 20261206));
  let applied = 0;
  for (let t = 0; t < 30; t++) {
    const table = `t${t}`;
    let n = 0;
    const fresh = (): string => `c${++n}`;
    const cols = Array.from({ length: r.int(2, 5) }, () => columnDef(r, fresh()));
    const pk = r.chance(0.5) ? ', PRIMARY KEY (`c1`)' : '';
    await conn
      .query(`CREATE TABLE \`${table}\` (${cols.join(', ')}${pk}) CHARACTER SET utf8mb4`)
      .catch(() => conn.query(`CREATE TABLE \`${table}\` (${cols.join(', ')}) CHARACTER SET utf8mb4`));
    let schema = await load(table);
    for (let k = 0; k < 12; k++) {
      const names = schema.columns.map((c) => c.name);
      const clauses = Array.from({ length: r.int(1, 4) }, () => clause(r, names, fresh));
      const sql = `ALTER TABLE \`${table}\` ${clauses.join(', ')}`;
      try {
        await conn.query(sql);
      } catch {
        continue; // the server refused it: nothing reaches the binlog
      }
      const [st] = parseDdl(sql, DB, { tableCharset: () => schema.charset });
      assert.equal(st?.kind, 'alter-table', sql);
      if (st?.kind !== 'alter-table') return;
      let result;
      try {
        result = applyAlterTable(schema, st.clauses, () => ({}));
      } catch (e) {
        throw new Error(`${(e as Error).message}: ${sql}`, { cause: e });
      }
      const actual = await load(table);
      if (JSON.stringify(shape(result.schema)) !== JSON.stringify(shape(actual))) {
        const [rows] = await conn.query(`SHOW CREATE TABLE \`${table}\``);
        console.log('DEBUG', JSON.stringify(rows));
      }
      assert.deepEqual(
        shape(result.schema),
        shape(actual),
        `${sql}\nbefore: ${JSON.stringify(shape(schema))}`,
      );
      let folded: TableSchema | undefined = schema;
      for (const c of result.changes) folded = applySchemaChange(folded, c);
      assert.deepEqual(shape(folded!), shape(actual), `schema changes of ${sql}`);
      schema = actual;
      applied++;
    }
  }
  assert.ok(applied > 150, `only ${applied} statements were accepted by the server`);
});
