// Every schema.change.behavior × every kind of schema change, MariaDB → DuckDB through the real CLI:
// after a snapshot, each table gets one DDL and some DML, the pipeline runs again to caught-up, and
// the DuckDB table must have the expected columns (name, type, nullability, in DuckDB's order),
// primary key and rows. Under `exception` the run must fail with a clear error naming table and DDL.
//
// One pipeline per configuration covers all kinds, one table each; `exception` stops at the first
// DDL, so it has one pipeline (and database) per kind. Pipelines run five at a time, with the CLI
// bundled as it is installed (a run of the TypeScript sources costs twice the CPU).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compileCli, removeCompiledCli } from './support/compiled-cli.js';
import { duckTable, sortRows, type TextRow } from './support/duck-catalog.js';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { compareTable, formatDiff, openDuckDbReadOnly } from './support/table-oracle.js';
import { runTidemark, tempDir, writePipeline, type CliResult } from './support/tidemark-cli.js';

type Behavior = 'evolve' | 'try_evolve' | 'lenient' | 'ignore' | 'exception';
type Row = TextRow;

interface Config {
  readonly name: string;
  readonly behavior: Behavior;
  readonly sink?: Record<string, string>;
}

const CONFIGS = [
  { name: 'evolve', behavior: 'evolve' },
  { name: 'try_evolve', behavior: 'try_evolve' },
  { name: 'lenient', behavior: 'lenient' },
  { name: 'ignore', behavior: 'ignore' },
  { name: 'exception', behavior: 'exception' },
  { name: 'excl_drop_column', behavior: 'evolve', sink: { 'exclude.schema.changes': '[drop.column]' } },
  { name: 'excl_column', behavior: 'evolve', sink: { 'exclude.schema.changes': '[column]' } },
  { name: 'incl_add_column', behavior: 'evolve', sink: { 'include.schema.changes': '[add.column]' } },
] as const satisfies readonly Config[];

type ConfigName = (typeof CONFIGS)[number]['name'];

/** A DuckDB table as the catalog has it, and its rows (SELECT *, sorted). */
interface SinkTable {
  /** Defaults to the case's table. */
  readonly table?: string;
  /** `name TYPE` (`NOT NULL` when so), in DuckDB's column order. */
  readonly columns: readonly string[];
  readonly key: readonly string[];
  readonly rows: readonly Row[];
  /** The rows must also equal MariaDB's (table oracle), where the behaviour keeps them equal. */
  readonly oracle?: boolean;
}

/** What the sink holds after the DDL and DML: tables that must exist and tables that must not. */
interface Outcome {
  readonly tables: readonly SinkTable[];
  readonly absent?: readonly string[];
}

interface Case {
  readonly table: string;
  /** `{t}` is the table. */
  readonly ddl: string;
  readonly dml: string;
  /** The expected sink for every configuration but `exception` (which must fail on the DDL). */
  readonly expect: Record<Exclude<ConfigName, 'exception'>, Outcome>;
}

const SETUP = (t: string): string =>
  `CREATE TABLE ${t} (id INT NOT NULL, a INT NOT NULL, b VARCHAR(10), PRIMARY KEY (id));
   INSERT INTO ${t} VALUES (1, 10, 'x'), (2, 20, 'y');`;

const ID = 'id INTEGER NOT NULL';
const BASE_COLUMNS = [ID, 'a INTEGER', 'b VARCHAR'];
const BASE_ROWS: Row[] = [
  ['1', '10', 'x'],
  ['2', '20', 'y'],
];
const one = (t: SinkTable): Outcome => ({ tables: [t] });
const same = <T>(o: T, names: readonly Exclude<ConfigName, 'exception'>[]): Record<string, T> =>
  Object.fromEntries(names.map((n) => [n, o]));

/** An added INT column `n`: where it reaches the sink, and where it does not. */
function addColumnCase(table: string, position: string): Case {
  const added = one({
    columns: [...BASE_COLUMNS, 'n INTEGER'],
    key: ['id'],
    rows: [
      ['1', '10', 'x', '100'],
      ['2', '20', 'y', null],
      ['3', '30', 'z', '300'],
    ],
    oracle: true,
  });
  const notAdded = one({ columns: BASE_COLUMNS, key: ['id'], rows: [...BASE_ROWS, ['3', '30', 'z']] });
  return {
    table,
    ddl: `ALTER TABLE {t} ADD COLUMN n INT${position}`,
    dml: `INSERT INTO {t} (id, a, b, n) VALUES (3, 30, 'z', 300); UPDATE {t} SET n = 100 WHERE id = 1;`,
    expect: {
      ...same(added, ['evolve', 'try_evolve', 'lenient', 'excl_drop_column', 'incl_add_column']),
      ...same(notAdded, ['ignore', 'excl_column']),
    } as Case['expect'],
  };
}

const CASES: readonly Case[] = [
  addColumnCase('add_last', ''),
  addColumnCase('add_first', ' FIRST'),
  addColumnCase('add_after', ' AFTER id'),
  (() => {
    const dropped = one({
      columns: [ID, 'a INTEGER'],
      key: ['id'],
      rows: [
        ['1', '11'],
        ['2', '20'],
        ['3', '30'],
      ],
      oracle: true,
    });
    const kept = one({
      columns: BASE_COLUMNS,
      key: ['id'],
      rows: [
        ['1', '11', null],
        ['2', '20', 'y'],
        ['3', '30', null],
      ],
    });
    return {
      table: 'drop_col',
      ddl: 'ALTER TABLE {t} DROP COLUMN b',
      dml: 'INSERT INTO {t} VALUES (3, 30); UPDATE {t} SET a = 11 WHERE id = 1;',
      expect: {
        ...same(dropped, ['evolve', 'try_evolve']),
        ...same(kept, ['lenient', 'ignore', 'excl_drop_column', 'excl_column', 'incl_add_column']),
      } as Case['expect'],
    };
  })(),
  (() => {
    const renamed = one({
      columns: [ID, 'a INTEGER', 'bb VARCHAR'],
      key: ['id'],
      rows: [
        ['1', '10', 'X'],
        ['2', '20', 'y'],
        ['3', '30', 'z'],
      ],
      oracle: true,
    });
    const notRenamed = one({
      columns: BASE_COLUMNS,
      key: ['id'],
      rows: [
        ['1', '10', null],
        ['2', '20', 'y'],
        ['3', '30', null],
      ],
    });
    return {
      table: 'rename_col',
      ddl: 'ALTER TABLE {t} RENAME COLUMN b TO bb',
      dml: "INSERT INTO {t} VALUES (3, 30, 'z'); UPDATE {t} SET bb = 'X' WHERE id = 1;",
      expect: {
        ...same(renamed, ['evolve', 'try_evolve', 'excl_drop_column']),
        lenient: one({
          columns: [...BASE_COLUMNS, 'bb VARCHAR'],
          key: ['id'],
          rows: [
            ['1', '10', null, 'X'],
            ['2', '20', 'y', null],
            ['3', '30', null, 'z'],
          ],
        }),
        ...same(notRenamed, ['ignore', 'excl_column', 'incl_add_column']),
      } as Case['expect'],
    };
  })(),
  (() => {
    const rows: Row[] = [...BASE_ROWS, ['3', '2147483647', 'z']];
    const widened = one({ columns: [ID, 'a BIGINT', 'b VARCHAR'], key: ['id'], rows, oracle: true });
    const kept = one({ columns: BASE_COLUMNS, key: ['id'], rows, oracle: true });
    return {
      table: 'widen_int',
      ddl: 'ALTER TABLE {t} MODIFY a BIGINT NOT NULL',
      // (a value INT holds: under ignore the sink column stays INTEGER)
      dml: "INSERT INTO {t} VALUES (3, 2147483647, 'z');",
      expect: {
        ...same(widened, ['evolve', 'try_evolve', 'lenient', 'excl_drop_column']),
        ...same(kept, ['ignore', 'excl_column', 'incl_add_column']),
      } as Case['expect'],
    };
  })(),
  (() => {
    const all = one({
      columns: BASE_COLUMNS,
      key: ['id'],
      rows: [...BASE_ROWS, ['3', '30', 'longer than ten characters']],
      oracle: true,
    });
    return {
      table: 'widen_varchar',
      ddl: 'ALTER TABLE {t} MODIFY b VARCHAR(40)',
      dml: "INSERT INTO {t} VALUES (3, 30, 'longer than ten characters');",
      expect: same(all, [
        'evolve',
        'try_evolve',
        'lenient',
        'ignore',
        'excl_drop_column',
        'excl_column',
        'incl_add_column',
      ]),
    };
  })(),
  (() => {
    // DuckDB keeps its own column order: values must still land in their columns
    const all = one({
      columns: BASE_COLUMNS,
      key: ['id'],
      rows: [
        ['1', '10', 'X'],
        ['2', '20', 'y'],
        ['3', '30', 'z'],
      ],
      oracle: true,
    });
    return {
      table: 'reorder',
      ddl: 'ALTER TABLE {t} MODIFY b VARCHAR(10) AFTER id',
      dml: "INSERT INTO {t} (id, b, a) VALUES (3, 'z', 30); UPDATE {t} SET b = 'X' WHERE id = 1;",
      expect: same(all, [
        'evolve',
        'try_evolve',
        'lenient',
        'ignore',
        'excl_drop_column',
        'excl_column',
        'incl_add_column',
      ]),
    };
  })(),
  (() => {
    const rekeyed = one({
      columns: [ID, 'a INTEGER NOT NULL', 'b VARCHAR'],
      key: ['id', 'a'],
      rows: [['1', '10', 'x'], ['1', '11', 'w'], BASE_ROWS[1]!],
      oracle: true,
    });
    // the old key: the new row replaces the one with the same id
    const oldKey = one({ columns: BASE_COLUMNS, key: ['id'], rows: [['1', '11', 'w'], BASE_ROWS[1]!] });
    return {
      table: 'pk_change',
      ddl: 'ALTER TABLE {t} DROP PRIMARY KEY, ADD PRIMARY KEY (id, a)',
      dml: "INSERT INTO {t} VALUES (1, 11, 'w');",
      expect: {
        ...same(rekeyed, ['evolve', 'try_evolve', 'lenient', 'excl_drop_column', 'excl_column']),
        ...same(oldKey, ['ignore', 'incl_add_column']),
      } as Case['expect'],
    };
  })(),
  (() => {
    const emptied = one({ columns: BASE_COLUMNS, key: ['id'], rows: [['3', '30', 'z']], oracle: true });
    const kept = one({ columns: BASE_COLUMNS, key: ['id'], rows: [...BASE_ROWS, ['3', '30', 'z']] });
    return {
      table: 'truncate',
      ddl: 'TRUNCATE TABLE {t}',
      dml: "INSERT INTO {t} VALUES (3, 30, 'z');",
      expect: {
        ...same(emptied, ['evolve', 'try_evolve', 'excl_drop_column', 'excl_column']),
        ...same(kept, ['lenient', 'ignore', 'incl_add_column']),
      } as Case['expect'],
    };
  })(),
  (() => {
    const gone: Outcome = { tables: [], absent: ['drop_table'] };
    const kept = one({ columns: BASE_COLUMNS, key: ['id'], rows: BASE_ROWS });
    return {
      table: 'drop_table',
      ddl: 'DROP TABLE {t}',
      dml: '',
      expect: {
        ...same(gone, ['evolve', 'try_evolve', 'excl_drop_column', 'excl_column']),
        ...same(kept, ['lenient', 'ignore', 'incl_add_column']),
      } as Case['expect'],
    };
  })(),
  (() => {
    const rows: Row[] = [...BASE_ROWS, ['3', '30', 'z']];
    const moved: Outcome = {
      tables: [{ table: 'renamed_table', columns: BASE_COLUMNS, key: ['id'], rows }],
      absent: ['rename_table'],
    };
    // the renamed table's rows keep going to the sink table of its old name
    const stays: Outcome = {
      tables: [{ columns: BASE_COLUMNS, key: ['id'], rows }],
      absent: ['renamed_table'],
    };
    return {
      table: 'rename_table',
      ddl: 'RENAME TABLE {t} TO renamed_table',
      dml: "INSERT INTO renamed_table VALUES (3, 30, 'z');",
      expect: {
        ...same(moved, ['evolve', 'try_evolve', 'lenient', 'excl_drop_column', 'excl_column']),
        ...same(stays, ['ignore', 'incl_add_column']),
      } as Case['expect'],
    };
  })(),
];

// ---- running the pipelines ---------------------------------------------------------------------

interface Pipeline {
  readonly database: string;
  readonly duck: string;
  readonly args: string[];
  /** The second run (after the DDL and DML). */
  result?: CliResult;
}

let db: MariaDbInstance;
let cli: string | undefined;
const pipelines = new Map<string, Pipeline>();
const key = (config: string, table: string): string =>
  config === 'exception' ? `exception/${table}` : config;

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

after(() => {
  if (cli) removeCompiledCli(cli);
});

before(async () => {
  db = await sharedMariaDb();
  cli = compileCli('behaviours');
  const run = (args: readonly string[]): Promise<CliResult> => runTidemark(args, {}, 60_000, cli);
  let slot = 0;
  const setups: { config: Config; database: string; tables: readonly Case[] }[] = [];
  for (const config of CONFIGS as readonly Config[]) {
    const groups = config.behavior === 'exception' ? CASES.map((c) => [c]) : [CASES];
    for (const tables of groups) {
      const database = `scb_${config.name}${config.behavior === 'exception' ? `_${tables[0]!.table}` : ''}`;
      setups.push({ config, database, tables });
      const dir = tempDir();
      const duck = join(dir, 'sink.duckdb');
      const first = 5600 + 8 * slot++;
      const file = writePipeline(dir, {
        port: db.port,
        tables: `${database}.\\.*`,
        duckdbPath: duck,
        name: database,
        serverId: `${first}-${first + 7}`,
        extraSink: config.sink ?? {},
        pipeline: { 'schema.change.behavior': config.behavior },
      });
      pipelines.set(key(config.name, tables[0]!.table), {
        database,
        duck,
        args: ['run', file, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
      });
      await db.query(
        `DROP DATABASE IF EXISTS ${database}; CREATE DATABASE ${database}; USE ${database};
         ${tables.map((c) => SETUP(c.table)).join('\n')}`,
      );
    }
  }
  const all = [...pipelines.values()];
  await pool(all, 5, async (p) => {
    const r = await run(p.args);
    assert.equal(r.code, 0, `snapshot of ${p.database}:\n${r.stderr}`);
  });
  for (const { database, tables } of setups) {
    const sql = tables
      .map((c) => `${c.ddl.replaceAll('{t}', c.table)}; ${c.dml.replaceAll('{t}', c.table)}`)
      .join('\n');
    await db.query(`USE ${database}; ${sql}`);
  }
  await pool(all, 5, async (p) => {
    p.result = await run(p.args);
  });
});

for (const config of CONFIGS) {
  for (const c of CASES) {
    test(`${config.name}: ${c.table} (${c.ddl.replaceAll('{t}', c.table)})`, async () => {
      const p = pipelines.get(key(config.name, c.table))!;
      const r = p.result!;
      if (config.name === 'exception') {
        assert.equal(r.code, 1, `exit code ${r.code}:\n${r.stderr}`);
        const ddl = c.ddl.replaceAll('{t}', c.table);
        const line = r.stderr.split('\n').find((l) => l.startsWith('error ['));
        assert.ok(line, `no error line:\n${r.stderr}`);
        assert.match(line, /^error \[SOURCE_SCHEMA\]: /);
        assert.ok(line.includes(`${p.database}.${c.table}`), `the error names no table: ${line}`);
        // (the server logs DROP TABLE with quoted names and a comment)
        assert.ok(line.replaceAll('`', '').includes(ddl), `the error names no DDL: ${line}`);
        assert.match(line, /schema\.change\.behavior is exception/);
        // the sink stays as it was before the change
        const t = await duckTable(p.duck, p.database, c.table);
        assert.deepEqual(t, { columns: BASE_COLUMNS, key: ['id'], rows: BASE_ROWS });
        return;
      }
      assert.equal(r.code, 0, r.stderr);
      const expected = c.expect[config.name];
      for (const want of expected.tables) {
        const table = want.table ?? c.table;
        const got = await duckTable(p.duck, p.database, table);
        assert.deepEqual(
          got,
          { columns: want.columns, key: want.key, rows: sortRows(want.rows) },
          `sink table ${p.database}.${table}`,
        );
        if (want.oracle) {
          const d = await openDuckDbReadOnly(p.duck);
          try {
            const diffs = await compareTable(
              db,
              { database: p.database, table },
              d.conn,
              { schema: p.database, table },
              { zeroDates: 'exact' },
            );
            assert.deepEqual(diffs.map(formatDiff), [], `${p.database}.${table} differs from MariaDB`);
          } finally {
            d.close();
          }
        }
      }
      for (const table of expected.absent ?? []) {
        assert.equal(await duckTable(p.duck, p.database, table), undefined, `${table} must not exist`);
      }
    });
  }
}
