// The differential fuzzer's fixed seed set (test/fuzz/, README "Differential fuzzer"): short
// scenarios over all five schema.change.behavior values and every feature, each compared with the
// model after every run; about two minutes on an idle 2-core machine (the timeout allows for a
// loaded one). A failure prints the seed and its statement log (`npm run fuzz -- --seed-list S`
// reproduces and shrinks it). Seven of them draw transform rules, three a merged route.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sharedMariaDb } from './support/mariadb.js';
import { tempDir } from './support/tidemark-cli.js';
import { ALL_FEATURES } from './fuzz/features.js';
import { scenarioConfig } from './fuzz/generator.js';
import { failureReport, runScenario } from './fuzz/scenario.js';
import { BEHAVIORS } from './fuzz/sink-model.js';

/** Ten seeds: two per behaviour (seed % 5 picks it). */
export const CI_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const OPERATIONS = 6;

test(
  `fuzz: seeds ${CI_SEEDS.join(',')} pass (${OPERATIONS} operations each)`,
  { timeout: 900_000 },
  async () => {
    const db = await sharedMariaDb();
    const dir = tempDir('tidemark-fuzz-');
    const bin = new URL('../bin/tidemark.js', import.meta.url).pathname;
    const features = new Set(ALL_FEATURES);
    const reports: string[] = [];
    let next = 0;
    const worker = async (slot: number): Promise<void> => {
      while (next < CI_SEEDS.length) {
        const seed = CI_SEEDS[next++]!;
        const config = scenarioConfig(seed, BEHAVIORS, features, OPERATIONS);
        const env = {
          db,
          cliBin: bin,
          workDir: join(dir, `seed-${seed}`),
          slot: 60 + slot,
          runTimeoutMs: 60_000,
        };
        const r = await runScenario(env, config);
        if (r.failure) reports.push(failureReport(config, r.failure, r.log, 'full log'));
      }
    };
    await Promise.all([worker(0), worker(1)]);
    assert.equal(reports.length, 0, reports.join('\n\n'));
  },
);
