// The snapshot benchmark's --small mode runs end to end (< 60 s) and prints its numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;

test('bench/snapshot/run.ts --small', () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/snapshot/run.ts', '--small', '--rows', '50000'],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /raw mysql2 read \(event API\): \d+ rows\/s/);
  for (const p of [1, 2, 4]) {
    assert.match(
      r.stdout,
      new RegExp(`parallelism ${p}: \\d+ rows/s .*ratio to raw read [\\d.]+, peak RSS \\d+ MB`),
    );
  }
});
