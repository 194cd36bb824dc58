import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { opt, SECRET_SETTING_NAMES } from './option-types.js';
import type { ComponentCatalog, ComponentDescriptor } from './pipeline-spec.js';
import { loadPipelineYaml, PipelineSpecError } from './yaml-pipeline-loader.js';
import { parseSecretsFile, variableSource } from './variable-substitution.js';

const sourceSchema = z
  .object({
    hostname: opt.string(),
    port: opt.int(1, 65535).default(3306),
    username: opt.string(),
    password: opt.string().meta({ secret: true }),
    'jdbc.properties': opt.prefixMap(SECRET_SETTING_NAMES),
    tables: opt.string(),
    'server-id': opt.string().optional(),
    'server-time-zone': opt.string().optional(),
    'heartbeat.interval': opt.duration().default(30000),
  })
  .strict();
const sinkSchema = z.object({ path: opt.string().default('./tidemark.duckdb') }).strict();

const mysql: ComponentDescriptor = { type: 'mysql', optionsSchema: sourceSchema };
const duckdb: ComponentDescriptor = { type: 'duckdb', optionsSchema: sinkSchema };
const catalog: ComponentCatalog = {
  source: (t) => (t === 'mysql' ? mysql : undefined),
  sink: (t) => (t === 'duckdb' ? duckdb : undefined),
  sourceTypes: () => ['mysql'],
  sinkTypes: () => ['duckdb'],
};

const seed = `source:
  type: mysql
  hostname: localhost
  port: 3306
  username: root
  password: 123456
  tables: app_db\\.*
  server-id: 5400-5404
  server-time-zone: UTC
  jdbc.properties.useSSL: false

sink:
  type: duckdb
  name: DuckDbSink

route:
  - source-table: app_db.orders
    sink-table: ods_db.ods_orders

pipeline:
  name: Sync MySQL Database to DuckDB
  parallelism: 1
`;

test('seed 000 pipeline loads with Flink CDC names', () => {
  const spec = loadPipelineYaml(seed, 'p.yaml', { catalog, variables: variableSource({}) });
  assert.equal(spec.source.type, 'mysql');
  assert.equal(spec.source.options.password, '123456');
  assert.equal(spec.source.options.port, 3306);
  assert.equal(spec.source.options['heartbeat.interval'], 30000);
  assert.deepEqual(spec.source.options['jdbc.properties'], { useSSL: 'false' });
  assert.equal(spec.sink.name, 'DuckDbSink');
  assert.equal(spec.sink.options.path, './tidemark.duckdb');
  assert.equal(spec.routes[0]?.['sink-table'], 'ods_db.ods_orders');
  assert.equal(spec.pipeline.name, 'Sync MySQL Database to DuckDB');
  assert.equal(spec.pipeline['schema.change.behavior'], 'lenient');
  assert.ok(spec.secrets.includes('123456'));
});

test('values of map keys named like secrets are secrets (properties.sasl.password, …)', () => {
  const withSecrets = seed.replace(
    'jdbc.properties.useSSL: false',
    'jdbc.properties.useSSL: false\n  jdbc.properties.trustCertificateKeyStorePassword: tr0ub4dor\n  jdbc.properties.sasl.jaas.config: "login user=u password=pw9"',
  );
  const spec = loadPipelineYaml(withSecrets, 'p.yaml', { catalog, variables: variableSource({}) });
  assert.ok(spec.secrets.includes('tr0ub4dor'));
  assert.ok(spec.secrets.includes('login user=u password=pw9'));
  assert.ok(!spec.secrets.includes('false'), 'useSSL is no secret');
});

test('every error at once, each with file:line:column and a hint', () => {
  const bad = seed
    .replace('hostname: localhost', 'hostnme: localhost')
    .replace('jdbc.properties.useSSL: false', 'jdbc.propertie.useSSL: false')
    .replace('port: 3306', 'port: abc')
    .replace('  parallelism: 1', '  parallelism: 1\n  schema.change.behaviour: evolve')
    .replace('sink:\n  type: duckdb', 'sink:\n  type: duckbd');
  try {
    loadPipelineYaml(bad, 'bad.yaml', { catalog, variables: variableSource({}) });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof PipelineSpecError);
    const text = e.message;
    assert.match(text, /bad\.yaml:3:3: unknown option "hostnme" in source \(did you mean "hostname"\?\)/);
    assert.match(text, /bad\.yaml:4:9: source\.port: /);
    assert.match(
      text,
      /unknown option "jdbc\.propertie\.useSSL" in source \(did you mean "jdbc\.properties\.useSSL"\?\)/,
    );
    assert.match(text, /bad\.yaml:13:9: unknown sink type "duckbd" \(did you mean "duckdb"\?\)/);
    assert.match(
      text,
      /unknown option "schema\.change\.behaviour" in pipeline \(did you mean "schema\.change\.behavior"\?\)/,
    );
    assert.match(text, /source\.hostname is required/);
    assert.equal(e.code, 'CONFIG_INVALID');
  }
});

test('invalid YAML names the line', () => {
  assert.throws(
    () =>
      loadPipelineYaml('source:\n  type: mysql\n  tables: [a\n', 'y.yaml', {
        catalog,
        variables: variableSource({}),
      }),
    (e: unknown) => e instanceof PipelineSpecError && /y\.yaml:\d+:\d+/.test(e.message),
  );
});

test('${...} from the secrets file and the environment; secrets are collected, missing ones reported', () => {
  const text = seed
    .replace('password: 123456', 'password: ${secret_values.mysql.password}')
    .replace('hostname: localhost', 'hostname: ${MYSQL_HOST}');
  const secrets = parseSecretsFile('secret_values:\n  mysql:\n    password: "s3cr3t!"\n');
  const spec = loadPipelineYaml(text, 'p.yaml', {
    catalog,
    variables: variableSource({ MYSQL_HOST: 'db1' }, secrets),
  });
  assert.equal(spec.source.options.hostname, 'db1');
  assert.equal(spec.source.options.password, 's3cr3t!');
  assert.ok(spec.secrets.includes('s3cr3t!'));
  assert.throws(
    () => loadPipelineYaml(text, 'p.yaml', { catalog, variables: variableSource({}, secrets) }),
    (e: unknown) =>
      e instanceof Error &&
      /p\.yaml:3:13: \$\{MYSQL_HOST\} is not defined/.test(e.message) &&
      !e.message.includes('s3cr3t'),
  );
});
