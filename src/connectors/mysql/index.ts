import { defineSource } from '../../runtime/connector-kit.js';
import { MYSQL_ERROR_CODES } from './errors.js';
import type { Connector } from '../../runtime/component-registry.js';
import type { ResourceClaim } from '../../runtime/resource-ledger.js';
import {
  mysqlBinlogFilesSourceOptionsSchema,
  mysqlSourceOptionsSchema,
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

/**
 * A server drops the older of two replica connections with one server id: two pipelines of one
 * process must not share an id on a server. Without `server-id` each source picks a random one.
 */
function replicaIdClaims(options: MysqlSourceOptions, parallelism: number): ResourceClaim[] {
  const sid = options['server-id'];
  if (sid === undefined) return [];
  const [first = 0, last = first] = sid.split('-').map((x) => Number(x.trim()));
  const server = `${options.hostname}:${options.port}`;
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
