import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TidemarkError } from '../event/tidemark-error.js';
import { CHECKPOINT_FORMAT, parseCheckpoint } from './checkpoint.js';

const cp = {
  format: CHECKPOINT_FORMAT,
  seq: 3,
  pipeline: 'p',
  source: { phase: 'binlog', file: 'mysql-bin.000001', pos: 4 },
  runtime: { tables: [] },
  createdAt: 1_700_000_000_000,
  identity: { sink: 'duckdb /x.duckdb', tables: ['a.b'] },
};

const fails = (text: string, pattern: RegExp): void =>
  assert.throws(
    () => parseCheckpoint(text, '/state/checkpoint.json'),
    (e: unknown) => e instanceof TidemarkError && e.code === 'CHECKPOINT' && pattern.test(e.message),
  );

test('a checkpoint of this format, and one written before the format field, read back as written', () => {
  assert.deepEqual(parseCheckpoint(JSON.stringify(cp), 'x'), cp);
  const { format: _, ...older } = cp;
  assert.deepEqual(parseCheckpoint(JSON.stringify(older), 'x'), older);
});

test('corrupt, foreign or newer checkpoints are clear errors naming the file', () => {
  fails('{"seq": 3, "pipel', /checkpoint in \/state\/checkpoint\.json is not JSON/);
  // a file that is no checkpoint (a savepoint path given to the job server): its text is not quoted
  assert.throws(
    () => parseCheckpoint('root:$6$secret-hash:19000:0:99999:7:::', '/etc/shadow'),
    (e: Error) =>
      /is not JSON: the file is corrupt, or not a checkpoint/.test(e.message) &&
      !/root|secret/.test(e.message),
  );
  fails(JSON.stringify({ ...cp, seq: 'three' }), /is not a tidemark checkpoint: seq: /);
  fails(JSON.stringify({ hello: 'world' }), /is not a tidemark checkpoint/);
  fails(JSON.stringify([1, 2]), /is not a tidemark checkpoint/);
  fails(JSON.stringify({ ...cp, format: CHECKPOINT_FORMAT + 1 }), /format 2, written by a newer tidemark/);
});
