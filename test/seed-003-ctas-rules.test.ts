// Seed 003's schema-change rules of Flink's CREATE TABLE AS, on its `runoob_tbl`, MariaDB → DuckDB
// through the real CLI under `schema.change.behavior: ctas`: a nullable column added is appended and
// filled by new rows; a nullable column dropped is kept, NULL in new rows; a renamed column is
// appended under its new name, the old one NULL in new rows. A type change (also of a length or of
// NULL/NOT NULL), a primary-key change, or a NOT NULL column added or dropped stops the pipeline
// with an error saying the sink table must be recreated, and leaves the sink table as it was.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileCli, removeCompiledCli } from './support/compiled-cli.js';
import { duckTable, sortRows, type TextRow } from './support/duck-catalog.js';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { compareTable, formatDiff, openDuckDbReadOnly } from './support/table-oracle.js';
import { runTidemark, tempDir, writePipeline, type CliResult } from './support/tidemark-cli.js';

const SETUP = (t: string): string => `
  CREATE TABLE ${t} (
    runoob_id INT UNSIGNED AUTO_INCREMENT,
    runoob_title VARCHAR(100) NOT NULL,
    runoob_author VARCHAR(40) NOT NULL,
    submission_date DATE,
    add_col INT DEFAULT NULL,
    PRIMARY KEY (runoob_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8;
  INSERT INTO ${t} VALUES (18, 'first', 'tom', '2022-06-22', 3);
  UPDATE ${t} SET runoob_title = 'new' WHERE runoob_id = 18;`;

const COLUMNS = [
  'runoob_id UINTEGER NOT NULL',
  'runoob_title VARCHAR',
  'runoob_author VARCHAR',
  'submission_date DATE',
  'add_col INTEGER',
];
const ROW_18: TextRow = ['18', 'new', 'tom', '2022-06-22', '3'];

interface Case {
  readonly table: string;
  readonly ddl: string;
  /** Run after the DDL. */
  readonly dml: string;
  /** The sink table after the run; or the error the run stops with (the sink table unchanged). */
  readonly expect:
    | { readonly columns: readonly string[]; readonly rows: readonly TextRow[]; readonly oracle: boolean }
    | { readonly recreate: RegExp };
}

const CASES: readonly Case[] = [
  {
    table: 'add_nullable',
    ddl: 'ALTER TABLE {t} ADD COLUMN add_col2 INT',
    dml: "INSERT INTO {t} VALUES (1, 'second', 'tom2', '2022-06-23', 1, 2)",
    expect: {
      columns: [...COLUMNS, 'add_col2 INTEGER'],
      rows: [
        [...ROW_18, null],
        ['1', 'second', 'tom2', '2022-06-23', '1', '2'],
      ],
      oracle: true,
    },
  },
  {
    table: 'drop_nullable',
    ddl: 'ALTER TABLE {t} DROP COLUMN add_col',
    dml: "INSERT INTO {t} VALUES (1, 'second', 'tom2', '2022-06-23')",
    expect: {
      columns: COLUMNS,
      rows: [ROW_18, ['1', 'second', 'tom2', '2022-06-23', null]],
      oracle: true,
    },
  },
  {
    table: 'rename_col',
    ddl: 'ALTER TABLE {t} RENAME COLUMN add_col TO add_col3',
    dml: "INSERT INTO {t} VALUES (1, 'second', 'tom2', '2022-06-23', 1)",
    expect: {
      columns: [...COLUMNS, 'add_col3 INTEGER'],
      rows: [
        [...ROW_18, null],
        ['1', 'second', 'tom2', '2022-06-23', null, '1'],
      ],
      oracle: false,
    },
  },
  {
    table: 'type_change',
    ddl: 'ALTER TABLE {t} MODIFY add_col VARCHAR(20)',
    dml: "INSERT INTO {t} VALUES (1, 'second', 'tom2', '2022-06-23', 'one')",
    expect: { recreate: /changes the type of column "add_col" from INT to VARCHAR\(20\)/ },
  },
  {
    table: 'length_change',
    ddl: 'ALTER TABLE {t} MODIFY runoob_author VARCHAR(80) NOT NULL',
    dml: '',
    expect: { recreate: /changes the type of column "runoob_author" from VARCHAR\(40\)/ },
  },
  {
    table: 'not_null_to_nullable',
    ddl: 'ALTER TABLE {t} MODIFY runoob_title VARCHAR(100) NULL',
    dml: '',
    expect: { recreate: /makes column "runoob_title" nullable/ },
  },
  {
    table: 'pk_change',
    ddl: 'ALTER TABLE {t} DROP PRIMARY KEY, ADD PRIMARY KEY (runoob_id, runoob_author)',
    dml: '',
    expect: { recreate: /changes the primary key from \("runoob_id"\) to \("runoob_id", "runoob_author"\)/ },
  },
  {
    table: 'add_not_null',
    ddl: 'ALTER TABLE {t} ADD COLUMN add_col4 INT NOT NULL',
    dml: '',
    expect: { recreate: /adds the NOT NULL column "add_col4"/ },
  },
  {
    table: 'drop_not_null',
    ddl: 'ALTER TABLE {t} DROP COLUMN runoob_author',
    dml: '',
    expect: { recreate: /drops the NOT NULL column "runoob_author"/ },
  },
];

interface Pipeline {
  readonly database: string;
  readonly duck: string;
  readonly args: string[];
  result?: CliResult;
}

let db: MariaDbInstance;
let cli: string | undefined;
/** The supported changes share one pipeline; each refused one stops its own. */
const pipelines = new Map<string, Pipeline>();
const pipelineOf = (c: Case): string => ('recreate' in c.expect ? c.table : 'supported');

after(() => {
  if (cli) removeCompiledCli(cli);
});

before(async () => {
  db = await sharedMariaDb();
  cli = compileCli('seed003');
  const groups = new Map<string, Case[]>();
  for (const c of CASES) groups.set(pipelineOf(c), [...(groups.get(pipelineOf(c)) ?? []), c]);
  let slot = 0;
  for (const [name, cases] of groups) {
    const database = `ctas_${name}`;
    const dir = tempDir();
    const duck = join(dir, 'sink.duckdb');
    const first = 5800 + 8 * slot++;
    const file = writePipeline(dir, {
      port: db.port,
      tables: `${database}.\\.*`,
      duckdbPath: duck,
      name: database,
      serverId: `${first}-${first + 7}`,
      pipeline: { 'schema.change.behavior': 'ctas' },
    });
    pipelines.set(name, {
      database,
      duck,
      args: ['run', file, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
    });
    await db.query(
      `DROP DATABASE IF EXISTS ${database}; CREATE DATABASE ${database}; USE ${database};
       ${cases.map((c) => SETUP(c.table)).join('\n')}`,
    );
  }
  const run = (p: Pipeline): Promise<CliResult> => runTidemark(p.args, {}, 60_000, cli);
  const all = [...pipelines.values()];
  await Promise.all(
    [0, 1, 2].map(async (w) => {
      for (const p of all.filter((_, i) => i % 3 === w)) {
        const r = await run(p);
        assert.equal(r.code, 0, `snapshot of ${p.database}:\n${r.stderr}`);
      }
    }),
  );
  for (const c of CASES) {
    const sql = [c.ddl, c.dml].filter(Boolean).map((s) => s.replaceAll('{t}', c.table));
    await db.query(`USE ${pipelines.get(pipelineOf(c))!.database}; ${sql.join('; ')}`);
  }
  await Promise.all(
    [0, 1, 2].map(async (w) => {
      for (const p of all.filter((_, i) => i % 3 === w)) p.result = await run(p);
    }),
  );
});

for (const c of CASES) {
  test(`ctas: ${c.table} (${c.ddl.replaceAll('{t}', c.table)})`, async () => {
    const p = pipelines.get(pipelineOf(c))!;
    const r = p.result!;
    const sink = await duckTable(p.duck, p.database, c.table);
    if ('recreate' in c.expect) {
      assert.equal(r.code, 1, `exit code ${r.code}:\n${r.stderr}`);
      const line = r.stderr.split('\n').find((l) => l.startsWith('error ['));
      assert.ok(line, `no error line:\n${r.stderr}`);
      assert.match(line, /^error \[SINK_SCHEMA\]: /);
      assert.ok(line.includes(`on ${p.database}.${c.table} (${c.ddl.replaceAll('{t}', c.table)})`), line);
      assert.match(line, c.expect.recreate);
      assert.match(line, new RegExp(`The sink table of ${p.database}\\.${c.table} must be recreated`));
      assert.deepEqual(
        sink,
        { columns: COLUMNS, key: ['runoob_id'], rows: [ROW_18] },
        'the sink table as it was',
      );
      return;
    }
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(sink, { columns: c.expect.columns, key: ['runoob_id'], rows: sortRows(c.expect.rows) });
    if (c.expect.oracle) {
      const d = await openDuckDbReadOnly(p.duck);
      try {
        const diffs = await compareTable(
          db,
          { database: p.database, table: c.table },
          d.conn,
          { schema: p.database, table: c.table },
          { zeroDates: 'exact' },
        );
        assert.deepEqual(diffs.map(formatDiff), []);
      } finally {
        d.close();
      }
    }
  });
}
