// `validate` and `run` agree: every invalid pipeline definition of the test suite (and those a new
// user wrote) is refused by both with the same errors, and `validate` needs no server for it.
// Both run in this process through the CLI's entry point (a child process per case would cost
// over a second each); `run` fails before it connects, so no server is started or needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { tempDir } from './support/tidemark-cli.js';

const SOURCE = {
  type: 'mysql',
  hostname: 'nowhere.invalid',
  port: '3306',
  username: 'root',
  password: 'x',
  tables: 'app.orders',
  'server-id': '5400-5404',
};

interface Case {
  readonly name: string;
  readonly yaml: string;
  /** What the error must say (every problem of the case). */
  readonly expect: readonly RegExp[];
  readonly env?: Record<string, string>;
}

function pipelineYaml(o: {
  source?: Record<string, string>;
  sink?: Record<string, string>;
  extra?: string;
  pipeline?: Record<string, string>;
}): string {
  const block = (name: string, kv: Record<string, string>): string =>
    `${name}:\n${Object.entries(kv)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\n`;
  return [
    block('source', { ...SOURCE, ...o.source }),
    block('sink', o.sink ?? { type: 'duckdb', path: '/nonexistent-dir/never-written.duckdb' }),
    o.extra ?? '',
    block('pipeline', { name: 'parity', ...o.pipeline }),
  ].join('');
}

const CASES: readonly Case[] = [
  { name: 'invalid YAML', yaml: 'source:\n  type: mysql\n  tables: [oops\n', expect: [/p\.yaml:\d+:\d+: /] },
  {
    name: 'an unknown option',
    yaml: pipelineYaml({ source: { 'scan.startup.mod': 'initial' } }),
    expect: [/unknown option "scan\.startup\.mod" in source \(did you mean "scan\.startup\.mode"\?\)/],
  },
  {
    name: 'specific-offset without an offset',
    yaml: pipelineYaml({ source: { 'scan.startup.mode': 'specific-offset' } }),
    expect: [/specific-offset needs/],
  },
  {
    name: 'both newly-added-table options',
    yaml: pipelineYaml({
      source: { 'scan.newly-added-table.enabled': 'true', 'scan.binlog.newly-added-table.enabled': 'true' },
    }),
    expect: [/scan\.newly-added-table\.enabled and scan\.binlog\.newly-added-table\.enabled/],
  },
  {
    name: 'a boolean written yes, a chunk size of 0',
    yaml: pipelineYaml({
      source: { 'scan.newly-added-table.enabled': 'yes', 'scan.incremental.snapshot.chunk.size': '0' },
    }),
    expect: [/expected true or false, got "yes"/, /expected an integer of at least 1, got 0/],
  },
  {
    name: 'a port and a memory limit that are no number and no size',
    yaml: pipelineYaml({
      source: { port: 'abc' },
      sink: { type: 'duckdb', path: '/nonexistent-dir/never-written.duckdb', 'memory.limit': '12' },
    }),
    expect: [
      /source\.port: expected an integer, got "abc"/,
      /sink\.memory\.limit: expected a size such as 512MB or 2GiB, got "12"/,
    ],
  },
  {
    name: 'jdbc properties tidemark cannot honour exactly',
    yaml: pipelineYaml({
      source: { 'jdbc.properties.characterEncoding': 'latin1', 'jdbc.properties.sslMode': 'BOGUS' },
    }),
    expect: [
      /p\.yaml:\d+:\d+: source\.jdbc\.properties\.characterEncoding: latin1 is not supported: tidemark reads text as utf8mb4/,
      /source\.jdbc\.properties\.sslMode: expected one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY, got "BOGUS"/,
    ],
  },
  {
    name: 'a server-id range written backwards',
    yaml: pipelineYaml({ source: { 'server-id': '6000-5999' } }),
    expect: [/p\.yaml:\d+:\d+: source\.server-id: "6000-5999": a range goes from the lower id to the higher/],
  },
  {
    name: 'a server id of 0',
    yaml: pipelineYaml({ source: { 'server-id': '0' } }),
    expect: [/source\.server-id: "0": a server id is in 1\.\.4294967295/],
  },
  {
    name: 'a route sink-table that is no table id',
    yaml: pipelineYaml({ extra: 'route:\n  - source-table: app.orders\n    sink-table: ods_db.\n' }),
    expect: [/p\.yaml:\d+:17: route rule 1 .*: sink table "ods_db\." is not a table id/],
  },
  {
    name: 'an invalid tables regex',
    yaml: pipelineYaml({ source: { tables: 'ux_shop.(cust[omers' } }),
    expect: [
      /p\.yaml:\d+:11: source\.tables: table pattern "ux_shop\.\(cust\[omers": .* not a valid regular expression/,
    ],
  },
  {
    name: 'an invalid tables.exclude regex',
    yaml: pipelineYaml({ source: { 'tables.exclude': 'app.(x' } }),
    expect: [/source\.tables\.exclude: .*"\(x" is not a valid regular expression/],
  },
  {
    name: 'time zones that do not exist',
    yaml: pipelineYaml({
      source: { 'server-time-zone': 'Mars/Olympus' },
      pipeline: { 'local-time-zone': 'Nowhere/Land' },
    }),
    expect: [
      /source\.server-time-zone: "Mars\/Olympus" is not a time zone/,
      /pipeline\.local-time-zone: "Nowhere\/Land" is not a time zone/,
    ],
  },
  {
    name: 'an invalid route regex',
    yaml: pipelineYaml({ extra: 'route:\n  - source-table: app.(orders\n    sink-table: app.all_$1\n' }),
    expect: [/p\.yaml:\d+:\d+: route rule 1 .* is not a valid regular expression/],
  },
  {
    name: 'transform expressions with syntax errors, every one reported',
    yaml: pipelineYaml({
      extra:
        'transform:\n  - source-table: app.orders\n    projection: id, price *\n    filter: id >\n' +
        '  - source-table: app.(x\n    projection: \\*\n',
    }),
    expect: [
      /transform\[0\]\.projection /,
      /transform\[0\]\.filter ends where an operand is expected/,
      /transform\[1\]\.source-table: .*not a valid regular expression/,
    ],
  },
  {
    name: 'a missing secret',
    yaml: pipelineYaml({ source: { password: '${secret_values.mysql.password}' } }),
    expect: [
      /export SECRET_VALUES_MYSQL_PASSWORD=… in the environment, or define secret_values\.mysql\.password/,
    ],
  },
  {
    name: 'an unknown sink type',
    yaml: pipelineYaml({ sink: { type: 'duckdbb', path: 'x.duckdb' } }),
    expect: [/unknown sink type "duckdbb" \(did you mean "duckdb"\?\)/],
  },
  {
    name: 'a Kafka sink property tidemark owns',
    yaml: pipelineYaml({
      sink: {
        type: 'kafka',
        'properties.bootstrap.servers': 'localhost:1',
        'properties.enable.idempotence': 'false',
        'sink.delivery-guarantee': 'exactly-once',
      },
    }),
    expect: [/sink\.properties\.enable\.idempotence: cannot be set \(tidemark sets it to true/],
  },
];

/** Runs the CLI in this process; its stderr and exit code. */
async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  process.stderr.write = (chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  };
  try {
    return { code: await main(args), stderr };
  } finally {
    process.stderr.write = write;
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
  }
}

for (const c of CASES) {
  test(`validate and run refuse ${c.name} alike`, async () => {
    const dir = tempDir();
    const file = join(dir, 'p.yaml');
    writeFileSync(file, c.yaml);
    const validate = await cli(['validate', file], c.env);
    const run = await cli(['run', file, '--state-dir', join(dir, 'state')], c.env);
    assert.equal(validate.code, 2, validate.stderr);
    for (const e of c.expect) assert.match(validate.stderr, e);
    assert.equal(run.code, validate.code);
    assert.equal(run.stderr, validate.stderr);
  });
}
