import { defineSource } from '../../runtime/connector-kit.js';
import { MYSQL_ERROR_CODES } from './errors.js';
import type { Connector } from '../../runtime/component-registry.js';
import type { HeldCheck, ResourceClaim } from '../../runtime/resource-ledger.js';
import {
  mysqlBinlogFilesSourceOptionsSchema,
  mysqlSourceOptionsSchema,
  serverIdRange,
  type MysqlSourceOptions,
} from './options.js';

/**
 * The MySQL connector: the live `mysql` source and the `mysql-binlog-files` source, which share
 * the binlog decoder, DDL parser and type mapping. Only the option schemas load with this file.
 */
export const mysqlConnector: Connector = {
  name: 'mysql',
  sources: [
    defineSource({
      type: 'mysql',
      description:
        'MySQL 5.7–9.x / MariaDB 10.x–11.x: snapshot, then the binlog (ROW format, FULL row image).',
      options: mysqlSourceOptionsSchema,
      resolveOptions: (options, spec, held) => withFreeServerIds(options, spec.pipeline.parallelism, held),
      claims: (options, spec) => replicaIdClaims(options, spec.pipeline.parallelism),
      create: async (options, spec) => {
        const { MysqlSource } = await import('./mysql-source.js');
        return new MysqlSource(options, { parallelism: spec.pipeline.parallelism });
      },
    }),
    defineSource({
      type: 'mysql-binlog-files',
      description:
        'Binlog files on disk (a backup, files copied off a server): replayed through the same decoder and ' +
        'schema tracking as the `mysql` source, with checkpoints; ends at the end of the last file.',
      options: mysqlBinlogFilesSourceOptionsSchema,
      create: async (options) => {
        const { MysqlBinlogFilesSource } = await import('./mysql-binlog-files-source.js');
        return new MysqlBinlogFilesSource(options);
      },
    }),
  ],
  sinks: [],
  errors: MYSQL_ERROR_CODES,
};

/** Where `server-id` is not set, ids are taken from this range, as Flink CDC does. */
const DEFAULT_IDS = { first: 5400, last: 6400 };

/**
 * Without `server-id`: a random block of ids (the stream's and one per snapshot reader) that no
 * other pipeline of the process uses on this server. Drawn at random, not from the pipeline name:
 * two processes running the same pipeline file against one server must not collide either.
 */
function withFreeServerIds(
  options: MysqlSourceOptions,
  parallelism: number,
  held: HeldCheck,
): MysqlSourceOptions {
  if (options['server-id'] !== undefined) return options;
  const count = Math.max(1, parallelism) + 1;
  const server = serverKey(options);
  const free = (first: number): boolean =>
    Array.from({ length: count }, (_, i) => first + i).every(
      (id) => !held('mysql-server-id', `${server}/${id}`),
    );
  const starts = DEFAULT_IDS.last - DEFAULT_IDS.first - count + 2;
  const offset = Math.floor(Math.random() * starts);
  const ids = (first: number): MysqlSourceOptions => ({
    ...options,
    'server-id': `${first}-${first + count - 1}`,
  });
  // from a random start, the first free block (wrapping around)
  for (let i = 0; i < starts; i++) {
    const first = DEFAULT_IDS.first + ((offset + i) % starts);
    if (free(first)) return ids(first);
  }
  return ids(DEFAULT_IDS.first + offset); // all taken: the claim refuses it, naming the id
}

const serverKey = (options: MysqlSourceOptions): string => `${options.hostname}:${options.port}`;

/**
 * A server drops the older of two replica connections with one server id: two pipelines of one
 * process must not share an id on a server (withFreeServerIds gives one that has none).
 */
function replicaIdClaims(options: MysqlSourceOptions, parallelism: number): ResourceClaim[] {
  const range = options['server-id'] === undefined ? undefined : serverIdRange(options['server-id']);
  if (range === undefined) return [];
  const { first, last } = range;
  const server = serverKey(options);
  const used = Math.min(last, first + parallelism); // the stream's id and one per snapshot reader
  const claims: ResourceClaim[] = [];
  for (let id = first; id <= used; id++)
    claims.push({
      kind: 'mysql-server-id',
      key: `${server}/${id}`,
      description: `replica server id ${id} on ${server}`,
    });
  return claims;
}
