// The commands around the pipeline ones: version, help, usage errors, docs of one component.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runTidemark } from './support/tidemark-cli.js';
import { stopLine } from '../src/cli/main.js';

test('--version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const r = await runTidemark(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${version}\n`);
});

test('tidemark help <command> is <command> --help, nested commands too', async () => {
  const [help, flag] = await Promise.all([
    runTidemark(['help', 'binlog', 'dump']),
    runTidemark(['binlog', 'dump', '--help']),
  ]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: tidemark binlog dump \[options\]/);
  assert.equal(help.stdout, flag.stdout);
});

test('a usage error prints one line and a hint, not the whole help', async () => {
  const r = await runTidemark(['run']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `error: missing required argument 'pipeline.yaml'\n(see "tidemark help run")\n`);
  const unknown = await runTidemark(['help', 'bogus']);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.stderr,
    /^error: unknown command 'bogus'; commands: run, validate, .*\n\(see "tidemark --help"\)\n$/,
  );
});

test('tidemark docs <component> prints that component only', async () => {
  const r = await runTidemark(['docs', 'duckdb']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^### Sink `type: duckdb`/);
  assert.doesNotMatch(r.stdout, /type: mysql|### `pipeline`/);
  const typo = await runTidemark(['docs', 'mysq']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /no component 'mysq' \(did you mean "mysql"\?\)/);
});

test('the stop line reads like a sentence and keeps the shape scripts parse', () => {
  const line = stopLine({ reason: 'stopped', rowsWritten: 3, lastCheckpoint: undefined });
  assert.equal(line, 'Stopped (on request); 3 change(s) written; checkpoint #0');
  assert.match(
    stopLine({ reason: 'caught-up', rowsWritten: 0, lastCheckpoint: undefined }),
    /^Stopped \(caught up with the source\); 0 change\(s\) written/,
  );
});
