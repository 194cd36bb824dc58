// Errors a newcomer meets before anything connects: the right code, a message in our words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTidemark, tempDir, writePipeline } from './support/tidemark-cli.js';

function pipeline(extraSource: Record<string, string | number> = {}, password = ''): string {
  const dir = tempDir();
  return writePipeline(dir, {
    port: 1,
    password,
    tables: 'app.t',
    duckdbPath: join(dir, 'sink.duckdb'),
    extraSource,
  });
}

test('a state directory that cannot be written: STATE_DIR naming --state-dir, exit 1, no stack', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'a-file'), '');
  const r = await runTidemark(['run', pipeline(), '--state-dir', join(dir, 'a-file', 'state')]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^error \[STATE_DIR\]: cannot write the state directory .*a-file\/state \(--state-dir\)/,
  );
  assert.doesNotMatch(r.stderr, /INTERNAL|\n\s+at /);
});

test('option values are explained in our words, not the schema library', async () => {
  const r = await runTidemark([
    'validate',
    pipeline({ 'scan.newly-added-table.enabled': 'yes', 'scan.incremental.snapshot.chunk.size': 0 }),
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /scan\.newly-added-table\.enabled: expected true or false, got "yes"/);
  assert.match(
    r.stderr,
    /scan\.incremental\.snapshot\.chunk\.size: expected an integer of at least 1, got 0/,
  );
  assert.doesNotMatch(r.stderr, /Invalid input|Too small/);
});

test('a secrets file that is not YAML: file:line:column and nothing dangling', async () => {
  const dir = tempDir();
  const secrets = join(dir, 'secrets.yaml');
  writeFileSync(secrets, 'a:\n  b: 1\n  c: [x\n');
  const r = await runTidemark(['validate', pipeline(), '--secrets', secrets]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error \[CONFIG_INVALID\]: .*secrets\.yaml:4:1: Flow sequence/);
  assert.doesNotMatch(r.stderr, /at line \d+, column \d+/);
});

test('a missing secret names a variable a shell can export, and the secrets file', async () => {
  const file = pipeline({}, '${secret_values.mysql.password}');
  const r = await runTidemark(['validate', file]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /\$\{secret_values\.mysql\.password\} is not defined: export SECRET_VALUES_MYSQL_PASSWORD=… in the environment, or define secret_values\.mysql\.password in the file given with --secrets/,
  );
  const ok = await runTidemark(['validate', file], { SECRET_VALUES_MYSQL_PASSWORD: 'from-env' });
  assert.equal(ok.code, 0, ok.stderr);
});
