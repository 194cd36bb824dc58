import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extractGeneratedSection, generatedReadmeSection } from './readme-docs.js';
import { configurationJsonSchemas } from './config-docs.js';
import { createDefaultRegistry } from '../connectors/index.js';

test('README.md holds the configuration reference that `tidemark docs` generates (run `npm run docs`)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.equal(extractGeneratedSection(readme), generatedReadmeSection().trim());
});

test('the reference names every option with its default', () => {
  const text = generatedReadmeSection();
  for (const name of [
    '`hostname`',
    '`tables.exclude`',
    '`scan.startup.mode`',
    '`jdbc.properties.*`',
    '`path`',
    '`schema.change.behavior`',
    '`sink-table`',
  ]) {
    assert.ok(text.includes(name), name);
  }
  assert.match(text, /`heartbeat.interval` \| no \| `30s` \| Duration/);
});

test('`tidemark docs --json`: a JSON Schema per component, from the same schemas as the reference', () => {
  const schemas = configurationJsonSchemas(createDefaultRegistry()) as {
    sources: Record<
      string,
      { properties: Record<string, { writeOnly?: boolean }>; patternProperties?: object }
    >;
    sinks: Record<string, { properties: Record<string, unknown> }>;
    pipeline: { properties: Record<string, unknown> };
  };
  assert.deepEqual(Object.keys(schemas.sources), ['kafka', 'mysql', 'mysql-binlog-files']);
  assert.deepEqual(Object.keys(schemas.sinks), ['duckdb', 'kafka', 'upsert-kafka']);
  const mysql = schemas.sources.mysql!;
  assert.equal(mysql.properties.password?.writeOnly, true);
  assert.equal(mysql.properties.hostname?.writeOnly, undefined);
  assert.ok(mysql.patternProperties, 'jdbc.properties.* keys');
  assert.deepEqual(mysql.properties.type, { const: 'mysql' });
  const reference = generatedReadmeSection();
  for (const name of Object.keys(schemas.sinks.duckdb!.properties).filter((n) => n !== 'type'))
    assert.ok(reference.includes(`| \`${name}\` |`), name);
  assert.ok('schema.change.behavior' in schemas.pipeline.properties);
});
