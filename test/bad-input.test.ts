// Acceptance: bad input gives a clear error naming the cause, a non-zero exit code, and writes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMariaDb, type MariaDbInstance } from './support/mariadb.js';
import { runTidemark, tempDir, writePipeline, type PipelineFileOptions } from './support/tidemark-cli.js';

let db: MariaDbInstance;

before(async () => {
  db = await startMariaDb();
  await db.query(
    `CREATE DATABASE bad_db; CREATE TABLE bad_db.t (id INT PRIMARY KEY); INSERT INTO bad_db.t VALUES (1);`,
  );
  await db.createCdcUser('cdc', 'Cdc-pass-42');
  await db.createCdcUser('norepl', 'Norepl-pass-42', 'SELECT');
});
after(async () => {
  await db?.stop();
});

async function expectFailure(
  o: Partial<PipelineFileOptions>,
  pattern: RegExp,
  secret?: string,
): Promise<void> {
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, { port: db.port, tables: 'bad_db.t', duckdbPath: duck, ...o });
  const r = await runTidemark(
    ['run', pipeline, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
    {},
    60_000,
  );
  assert.notEqual(r.code, 0, `expected failure, got:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, pattern);
  if (secret)
    assert.ok(!r.stderr.includes(secret) && !r.stdout.includes(secret), 'the password must not be printed');
  assert.ok(!existsSync(duck), 'nothing written to the sink');
}

test('invalid YAML and an unknown option: file:line:column, exit 2, nothing written', async () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'source:\n  type: mysql\n  tables: [oops\n');
  const r1 = await runTidemark(['run', bad, '--state-dir', join(dir, 'state')]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /bad\.yaml:\d+:\d+/);
  const p = writePipeline(dir, {
    port: db.port,
    tables: 'bad_db.t',
    duckdbPath: join(dir, 's.duckdb'),
    extraSource: { 'scan.startup.mod': 'initial' },
  });
  const r2 = await runTidemark(['validate', p]);
  assert.equal(r2.code, 2);
  assert.match(
    r2.stderr,
    /pipeline\.yaml:\d+:3: unknown option "scan\.startup\.mod" in source \(did you mean "scan\.startup\.mode"\?\)/,
  );
  assert.ok(!existsSync(join(dir, 's.duckdb')));
});

test('wrong password: access denied, password never printed', async () => {
  await expectFailure(
    { username: 'cdc', password: 'Wrong-secret-99' },
    /SOURCE_AUTH.*access denied/i,
    'Wrong-secret-99',
  );
});

test('unreachable host', async () => {
  await expectFailure(
    { port: 1, extraSource: { 'connect.timeout': '3s' } },
    /SOURCE_CONNECT.*127\.0\.0\.1:1/,
  );
});

test('missing replication privilege names the GRANT to run', async () => {
  await expectFailure(
    { username: 'norepl', password: 'Norepl-pass-42' },
    /SOURCE_PRIVILEGE.*REPLICATION/,
    'Norepl-pass-42',
  );
});

test('a tables pattern matching nothing names the near matches, not every database', async () => {
  await expectFailure(
    { tables: 'no_such_db.\\.*' },
    /SOURCE_NO_TABLES.*no_such_db.*no database or table there is named like it/,
  );
  await expectFailure(
    { tables: 'bad_db.tt' },
    /SOURCE_NO_TABLES.*"bad_db\.tt".*closest names there: bad_db\.t \(/,
  );
});

for (const [variable, value] of [
  ['binlog_format', 'STATEMENT'],
  ['binlog_row_image', 'MINIMAL'],
] as const) {
  test(`${variable}=${value} is refused with what to change`, async () => {
    await db.query(`SET GLOBAL ${variable} = '${value}'`);
    try {
      await expectFailure({}, new RegExp(`SOURCE_BINLOG_CONFIG.*${variable}`, 'i'));
    } finally {
      await db.query(`SET GLOBAL ${variable} = '${variable === 'binlog_format' ? 'ROW' : 'FULL'}'`);
    }
  });
}

test('${secret_values...} from --secrets: the pipeline runs as the CDC user and the secret is never printed', async () => {
  const dir = tempDir();
  const duck = join(dir, 'sink.duckdb');
  const pipeline = writePipeline(dir, {
    port: db.port,
    tables: 'bad_db.t',
    duckdbPath: duck,
    username: 'cdc',
    password: '${secret_values.mysql.password}',
  });
  const secrets = join(dir, 'secrets.yaml');
  writeFileSync(secrets, 'secret_values:\n  mysql:\n    password: "Cdc-pass-42"\n');
  const env = { TIDEMARK_LOG_LEVEL: 'debug' };
  const ok = await runTidemark(
    ['run', pipeline, '--secrets', secrets, '--state-dir', join(dir, 'state'), '--exit-when-caught-up'],
    env,
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(!ok.stderr.includes('Cdc-pass-42') && !ok.stdout.includes('Cdc-pass-42'));
  writeFileSync(secrets, 'secret_values:\n  mysql:\n    password: "Not-the-pass-7"\n');
  const bad = await runTidemark(
    ['run', pipeline, '--secrets', secrets, '--state-dir', join(dir, 'state2'), '--exit-when-caught-up'],
    env,
  );
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /SOURCE_AUTH/);
  assert.ok(!bad.stderr.includes('Not-the-pass-7') && !bad.stdout.includes('Not-the-pass-7'));
  const missing = await runTidemark(['validate', pipeline]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\$\{secret_values\.mysql\.password\} is not defined/);
});
