/**
 * Smoke run of the Kafka benchmark (bench/kafka/run.ts --small): it completes, every run writes
 * every change, and it prints the produce, consume and latency figures with their references and
 * ratios. Not a timed assertion: the numbers are not checked against the goals.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

test('bench/kafka --small completes and prints its ratios', { timeout: 240_000 }, () => {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'bench', 'kafka', 'run.ts'),
      '--small',
      '--events',
      '5000',
      '--consume',
      '3000',
    ],
    { cwd: repoRoot, encoding: 'utf8', timeout: 230_000 },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-4000));
  assert.match(r.stdout, /\| tidemark MariaDB → Kafka \| \d+ \| /);
  assert.match(
    r.stdout,
    /\| librdkafka produce, same messages, failure reports only \(as tidemark\) \| \d+ \| /,
  );
  assert.match(r.stdout, /\| librdkafka produce, same messages, a delivery report each \| \d+ \| /);
  assert.match(
    r.stdout,
    /ratio tidemark \/ raw \(failure reports only\): \d+\.\d\d .* \/ raw \(a report each\): \d+\.\d\d/,
  );
  assert.match(r.stdout, /ratio Kafka \/ MariaDB source: \d+\.\d\d/);
  assert.match(
    r.stdout,
    /latency, commit → readable in Kafka, \d+ transactions at 1000\/s: p50 \d+\.\d ms, p99 \d+\.\d ms/,
  );
});
