/**
 * Smoke run of the transform benchmark (bench/transform/run.ts --small): it completes, both runs
 * write every row, and it prints rows/s and peak RSS with and without the transform and their
 * ratio. Not a timed assertion: the numbers are not checked against the goal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

test('bench/transform --small completes and prints the ratio', { timeout: 180_000 }, () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'bench', 'transform', 'run.ts'), '--small', '--rows', '20000'],
    { cwd: repoRoot, encoding: 'utf8', timeout: 170_000 },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-4000));
  assert.match(r.stdout, /every row passes: both runs write 20000 rows/);
  const run = '\\d+ rows/s, CPU \\d+\\.\\d s, \\d+ MB';
  for (const path of ['binlog', 'snapshot'])
    assert.match(
      r.stdout,
      new RegExp(
        `\\| ${path} \\| ${run} \\| ${run} \\| \\d+\\.\\d\\d \\([\\d., ]+\\) \\| \\d+\\.\\d\\d \\| (yes|no) \\|`,
      ),
    );
});
