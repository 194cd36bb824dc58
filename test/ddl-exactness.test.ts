// Schema changes through the real CLI against MariaDB: after each DDL the DuckDB sink must equal
// the source, value by value (the table oracle), under the schema.change.behavior in force.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { compareDatabase, formatDiff, openDuckDbReadOnly, type OracleDiff } from './support/table-oracle.js';
import { runTidemark, startTidemark, tempDir, waitFor, writePipeline } from './support/tidemark-cli.js';

let db: MariaDbInstance;
before(async () => {
  db = await sharedMariaDb();
});

type Behavior = 'evolve' | 'lenient' | 'try_evolve' | 'ignore' | 'exception';

/** A pipeline over one fresh database; `sync` runs it to caught-up, `diff` compares the sink. */
async function scenario(
  name: string,
  behavior: Behavior,
  setup: string,
  extra: Record<string, string | number> = {},
) {
  await db.query(`DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name}; USE ${name}; ${setup}`);
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const state = join(dir, 'state');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: `${name}.\\.*`,
    duckdbPath: duck,
    name,
    pipeline: { 'schema.change.behavior': behavior, ...extra },
  });
  const args = ['run', pipeline, '--state-dir', state];
  return {
    args,
    async sync(): Promise<void> {
      const r = await runTidemark([...args, '--exit-when-caught-up']);
      assert.equal(
        r.code,
        0,
        r.stderr
          .split('\n')
          .filter((l) => /error|warn/i.test(l))
          .join('\n') || r.stderr,
      );
    },
    async sql(text: string): Promise<void> {
      await db.query(`USE ${name}; ${text}`);
    },
    /** Differences between MariaDB and the sink (extra sink tables ignored unless asked for). */
    async diff(opts: { extraTables?: boolean } = {}): Promise<string[]> {
      const d = await openDuckDbReadOnly(duck);
      try {
        const diffs = await compareDatabase(db, name, d.conn, { zeroDates: 'sink-null' });
        return diffs.filter((x: OracleDiff) => opts.extraTables || x.kind !== 'extra-table').map(formatDiff);
      } finally {
        d.close();
      }
    },
    async duck(sql: string): Promise<unknown[][]> {
      const d = await openDuckDbReadOnly(duck);
      try {
        return (await d.conn.runAndReadAll(sql)).getRowsJS();
      } finally {
        d.close();
      }
    },
  };
}

test('MODIFY/CHANGE … FIRST|AFTER: rows land in their columns (issue #1)', async () => {
  for (const behavior of ['evolve', 'lenient'] as const) {
    const s = await scenario(
      `ddl_move_${behavior}`,
      behavior,
      'CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT); INSERT INTO t VALUES (1, 10, 100)',
    );
    await s.sync();
    await s.sql(`ALTER TABLE t MODIFY b INT FIRST; INSERT INTO t (id, a, b) VALUES (2, 20, 200); UPDATE t SET a = 11 WHERE id = 1;
      ALTER TABLE t MODIFY a VARCHAR(10) AFTER id, CHANGE b b BIGINT AFTER a; INSERT INTO t VALUES (3, 'x', 300);`);
    await s.sync();
    assert.deepEqual(await s.diff(), [], behavior);
  }
});

test('primary-key changes re-key the sink table (issue #4)', async () => {
  for (const behavior of ['evolve', 'lenient'] as const) {
    const s = await scenario(
      `ddl_pk_${behavior}`,
      behavior,
      'CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, w TEXT); INSERT INTO t VALUES (1, 1, "a")',
    );
    await s.sync();
    await s.sql(`ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, v); INSERT INTO t VALUES (1, 2, 'b'), (1, 3, 'c');
      UPDATE t SET w = 'z' WHERE id = 1 AND v = 2; DELETE FROM t WHERE v = 3`);
    await s.sync();
    assert.deepEqual(await s.diff(), [], behavior);
    assert.deepEqual(await s.duck(`SELECT count(*) FROM ddl_pk_${behavior}.t`), [[2n]]);
  }
});

test('kill -9 right after a DDL: the restart equals a clean run (issue #5)', async () => {
  const s = await scenario(
    'ddl_kill',
    'evolve',
    'CREATE TABLE t (id INT PRIMARY KEY, a INT); INSERT INTO t VALUES (1, 10); CREATE TABLE busy (id INT PRIMARY KEY)',
    {
      'checkpoint.interval': '60s',
    },
  );
  await s.sync();
  const child = startTidemark(s.args);
  let out = '';
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(() => /caught up/.test(out), 60_000, 'the pipeline to catch up');
  // A busy source (no idle moment for the runner to commit in; interval 60 s), and the kill as
  // soon as the rename reached the sink: between the DDL and the commit of its checkpoint.
  let busy = true;
  const load = (async () => {
    for (let i = 0; busy; i++) await s.sql(`INSERT INTO busy VALUES (${i})`);
  })();
  await s.sql('ALTER TABLE t RENAME COLUMN a TO b; INSERT INTO t VALUES (2, 20)');
  await waitFor(() => /"change":"rename-column"/.test(out), 60_000, 'the rename to be applied');
  child.kill('SIGKILL');
  busy = false;
  await load;
  await child.result;
  await s.sync();
  assert.deepEqual(await s.diff(), []);
  assert.deepEqual(
    await s.duck("SELECT column_name FROM duckdb_columns() WHERE table_name = 't' ORDER BY column_index"),
    [['id'], ['b']],
  );
});

test('IF [NOT] EXISTS on columns and tables that do (not) exist (issue #6)', async () => {
  const s = await scenario(
    'ddl_ifx',
    'evolve',
    'CREATE TABLE t (id INT PRIMARY KEY, a INT); INSERT INTO t VALUES (1, 10)',
  );
  await s.sync();
  await s.sql(`ALTER TABLE t ADD COLUMN IF NOT EXISTS a BIGINT, ADD COLUMN IF NOT EXISTS c INT DEFAULT 7;
    ALTER TABLE t DROP COLUMN IF EXISTS nope, MODIFY COLUMN IF EXISTS nope2 INT;
    CREATE TABLE IF NOT EXISTS t (x INT); DROP TABLE IF EXISTS nope3; CREATE TABLE IF NOT EXISTS u (id INT PRIMARY KEY);
    INSERT INTO t VALUES (2, 20, 8); INSERT INTO u VALUES (1)`);
  await s.sync();
  assert.deepEqual(await s.diff(), []);
  await s.sql('ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT; INSERT INTO t VALUES (3, 30, 9)');
  await s.sync(); // a restart replays nothing twice and stops on nothing
  assert.deepEqual(await s.diff(), []);
});

test('existing rows get implicit and binary defaults of added columns (issue #7)', async () => {
  for (const behavior of ['evolve', 'lenient'] as const) {
    const s = await scenario(
      `ddl_dflt_${behavior}`,
      behavior,
      'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2)',
    );
    await s.sync();
    await s.sql(`ALTER TABLE t ADD COLUMN n INT NOT NULL, ADD COLUMN s VARCHAR(5) NOT NULL, ADD COLUMN e ENUM('p','q') NOT NULL,
      ADD COLUMN b BIT(3) DEFAULT b'101', ADD COLUMN hx VARBINARY(4) DEFAULT 0x4142, ADD COLUMN d DECIMAL(6,2) DEFAULT 1.005,
      ADD COLUMN y YEAR DEFAULT 24, ADD COLUMN st SET('a','b','c') DEFAULT 'c,a', ADD COLUMN bn BINARY(3) DEFAULT 'x',
      ADD COLUMN f FLOAT DEFAULT 1.1, ADD COLUMN dt DATETIME(3) NOT NULL, ADD COLUMN tm TIME DEFAULT '-1 02:03:04';
      INSERT INTO t (id, n, s, e, dt) VALUES (3, 5, 'x', 'q', '2024-01-02 03:04:05.678')`);
    await s.sync();
    assert.deepEqual(await s.diff(), [], behavior);
  }
});

test('RENAME COLUMN a TO b, b TO a swaps the columns (issue #8)', async () => {
  const s = await scenario(
    'ddl_swap',
    'evolve',
    'CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(5)); INSERT INTO t VALUES (1, 10, "x")',
  );
  await s.sync();
  await s.sql(`ALTER TABLE t RENAME COLUMN a TO b, RENAME COLUMN b TO a; INSERT INTO t VALUES (2, 20, 'y');
    ALTER TABLE t CHANGE a b VARCHAR(5), CHANGE b a INT; INSERT INTO t VALUES (3, 30, 'z'); UPDATE t SET b = 'w' WHERE id = 1`);
  await s.sync();
  assert.deepEqual(await s.diff(), []);
  // lenient keeps what the sink columns held: rows written before the swap keep their values
  const l = await scenario(
    'ddl_swap_lenient',
    'lenient',
    'CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT); INSERT INTO t VALUES (1, 10, 20)',
  );
  await l.sync();
  await l.sql('ALTER TABLE t RENAME COLUMN a TO b, RENAME COLUMN b TO a; INSERT INTO t VALUES (2, 30, 40)');
  await l.sync();
  assert.deepEqual(await l.duck('SELECT id, a, b FROM ddl_swap_lenient.t ORDER BY id'), [
    [1, 10, 20],
    [2, 40, 30],
  ]);
});

test('RENAME TABLE keeps the rows; DROP + CREATE under evolve starts the table afresh (issue #9)', async () => {
  for (const behavior of ['evolve', 'lenient', 'ignore'] as const) {
    const s = await scenario(
      `ddl_rt_${behavior}`,
      behavior,
      'CREATE TABLE a (id INT PRIMARY KEY, v INT); INSERT INTO a VALUES (1, 10), (2, 20); CREATE TABLE rc (id INT PRIMARY KEY); INSERT INTO rc VALUES (1), (2)',
    );
    await s.sync();
    await s.sql(`RENAME TABLE a TO b; INSERT INTO b VALUES (3, 30); UPDATE b SET v = 11 WHERE id = 1;
      RENAME TABLE b TO tmp, rc TO b, tmp TO rc; INSERT INTO rc VALUES (4, 40); INSERT INTO b VALUES (5)`);
    await s.sync();
    if (behavior === 'ignore') {
      // rows keep going to the sink tables the renamed source tables had, also after a restart
      await s.sql('INSERT INTO rc VALUES (6, 60)');
      await s.sync();
      assert.deepEqual(await s.duck(`SELECT id, v FROM ddl_rt_ignore.a ORDER BY id`), [
        [1, 11],
        [2, 20],
        [3, 30],
        [4, 40],
        [6, 60],
      ]);
      assert.deepEqual(await s.duck('SELECT id FROM ddl_rt_ignore.rc ORDER BY id'), [[1], [2], [5]]);
      continue;
    }
    assert.deepEqual(await s.diff({ extraTables: behavior === 'evolve' }), [], behavior);
  }
  const s = await scenario(
    'ddl_recreate',
    'evolve',
    'CREATE TABLE rc (id INT PRIMARY KEY, v INT); INSERT INTO rc VALUES (1, 1), (2, 2)',
  );
  await s.sync();
  await s.sql(
    'DROP TABLE rc; CREATE TABLE rc (id INT PRIMARY KEY, w TEXT); INSERT INTO rc VALUES (3, "three")',
  );
  await s.sync();
  assert.deepEqual(await s.diff({ extraTables: true }), []);
  assert.deepEqual(
    await s.duck("SELECT column_name FROM duckdb_columns() WHERE table_name = 'rc' ORDER BY column_index"),
    [['id'], ['w']],
  );
});

test('CREATE TABLE … LIKE a table of another database arrives with its rows (issue #18)', async () => {
  await db.query(
    'DROP DATABASE IF EXISTS ddl_like_other; CREATE DATABASE ddl_like_other; CREATE TABLE ddl_like_other.src (id BIGINT UNSIGNED PRIMARY KEY, s VARCHAR(10) CHARACTER SET latin1, e ENUM("x","y"))',
  );
  const s = await scenario('ddl_like', 'evolve', 'CREATE TABLE t0 (id INT PRIMARY KEY)');
  await s.sync();
  await s.sql(
    "CREATE TABLE t LIKE ddl_like_other.src; INSERT INTO t VALUES (18446744073709551615, 'é', 'y')",
  );
  await s.sync();
  assert.deepEqual(await s.diff(), []);
  assert.deepEqual(await s.duck('SELECT count(*) FROM ddl_like.t'), [[1n]]);
});

test('a change the sink cannot apply: a clear error under evolve, skipped under try_evolve', async () => {
  // existing rows get '' in a JSON column added NOT NULL without a default: no DuckDB JSON holds it
  const setup = 'CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 10)';
  const add = "ALTER TABLE t ADD COLUMN j JSON NOT NULL; INSERT INTO t VALUES (2, 20, '[1]')";

  const e = await scenario('ddl_refused_evolve', 'evolve', setup);
  await e.sync();
  await e.sql(add);
  const r = await runTidemark([...e.args, '--exit-when-caught-up']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error \[SINK_SCHEMA\].*add column j to ddl_refused_evolve\.t exactly.*not JSON/);

  const t = await scenario('ddl_refused_try', 'try_evolve', setup);
  await t.sync();
  await t.sql(add);
  await t.sql(`INSERT INTO t VALUES (3, 30, '{"a":1}'); UPDATE t SET v = 11, j = '[]' WHERE id = 1`);
  const r2 = await runTidemark([...t.args, '--exit-when-caught-up']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /schema change refused by the sink and skipped \(try_evolve\).*ddl_refused_try\.t/);
  // the sink table stays as it was, and the rows keep coming into its columns
  assert.deepEqual(await t.duck('SELECT id, v FROM ddl_refused_try.t ORDER BY id'), [
    [1, 11],
    [2, 20],
    [3, 30],
  ]);
  assert.deepEqual(await t.duck("SELECT count(*) FROM duckdb_columns() WHERE column_name = 'j'"), [[0n]]);
  // and a restart replays nothing twice
  await t.sql('INSERT INTO t VALUES (4, 40, \'"x"\')');
  await t.sync();
  assert.deepEqual(await t.duck('SELECT id, v FROM ddl_refused_try.t ORDER BY id'), [
    [1, 11],
    [2, 20],
    [3, 30],
    [4, 40],
  ]);
});

test('a snapshot of a JSON column holding a value that is not JSON: a clear error naming the column', async () => {
  const s = await scenario(
    'ddl_json_snapshot',
    'evolve',
    'CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1); ALTER TABLE t ADD COLUMN j JSON NOT NULL',
  );
  const r = await runTidemark([...s.args, '--exit-when-caught-up']);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /error \[SINK_SCHEMA\]: column j of ddl_json_snapshot\.t holds "" at the source, which is not JSON/,
  );
});

test('ENUM/SET members the column charset cannot hold are "?" at the server and in the stream', async () => {
  const s = await scenario('ddl_enum_charset', 'evolve', 'CREATE TABLE t (id INT PRIMARY KEY)');
  await s.sync();
  // created and altered while the pipeline is stopped: the stream parses the DDL text
  await s.sql(`CREATE TABLE e (id INT PRIMARY KEY, a ENUM('値', 'x', 'y') CHARACTER SET ascii,
      b SET('ü', '値', 'q') CHARACTER SET latin1, c ENUM('😀', 'z') CHARACTER SET utf8mb3) DEFAULT CHARSET = latin2;
    INSERT INTO e VALUES (1, 1, 3, 1), (2, 'x', 6, 'z');
    ALTER TABLE e ADD COLUMN d ENUM('値', 'ł', 'ü') AFTER id;
    INSERT INTO e VALUES (3, 2, 3, 7, 2);`);
  await s.sync();
  assert.deepEqual(await s.diff(), []);
  assert.deepEqual(await s.duck('SELECT a, b, c, d FROM ddl_enum_charset.e ORDER BY id'), [
    ['?', 'ü,?', '?', null],
    ['x', '?,q', 'z', null],
    ['y', 'ü,?,q', 'z', 'ł'],
  ]);
});

test('ENUM/SET member lists: members added keep the values; a narrowing outside strict mode is an error', async () => {
  const s = await scenario(
    'ddl_enum_members',
    'evolve',
    `CREATE TABLE t (id INT PRIMARY KEY, e ENUM('green', 'a'), s SET('ab', 'cd'));
     INSERT INTO t VALUES (1, 'green', 'ab,cd'), (2, 'a', 'cd')`,
  );
  await s.sync();
  await s.sql(`SET STATEMENT sql_mode = '' FOR
      ALTER TABLE t MODIFY e ENUM('a', 'green', 'v17'), MODIFY s SET('x', 'ab', 'y', 'cd');
    INSERT INTO t VALUES (3, 'v17', 'x,ab')`);
  await s.sync();
  assert.deepEqual(await s.diff(), []);
  // the server truncates 'green' to 'gr' without a word: the sink cannot follow that exactly
  await s.sql(`SET STATEMENT sql_mode = '' FOR ALTER TABLE t MODIFY e VARCHAR(2)`);
  const r = await runTidemark([...s.args, '--exit-when-caught-up']);
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /error \[SINK_SCHEMA\].*ddl_enum_members\.t.*ENUM\('a','green','v17'\) → VARCHAR\(2\)/,
  );
});
