import { ComponentRegistry, optionNamesOf } from '../runtime/component-registry.js';
import { duckDbSinkOptionsSchema, type DuckDbSinkOptions } from './duckdb/duckdb-sink-options.js';
import {
  mysqlBinlogFilesSourceOptionsSchema,
  type MysqlBinlogFilesSourceOptions,
} from './mysql/mysql-binlog-files-source-options.js';
import { mysqlSourceOptionsSchema, type MysqlSourceOptions } from './mysql/mysql-source-options.js';

/**
 * Every built-in component, registered by its `type`: the option schemas load here, the
 * implementations (DuckDB's native binding, the MySQL client) only when a pipeline is created.
 */
export function createDefaultRegistry(): ComponentRegistry {
  return new ComponentRegistry()
    .registerSource({
      type: 'mysql',
      description:
        'MySQL 5.7–9.x / MariaDB 10.x–11.x: snapshot, then the binlog (ROW format, FULL row image).',
      optionsSchema: mysqlSourceOptionsSchema,
      optionNames: optionNamesOf(mysqlSourceOptionsSchema),
      optionPrefixes: ['jdbc.properties.'],
      secretOptions: ['password'],
      create: async (options, spec) => {
        const { MysqlSource } = await import('./mysql/mysql-source.js');
        return new MysqlSource(options as MysqlSourceOptions, { parallelism: spec.pipeline.parallelism });
      },
    })
    .registerSource({
      type: 'mysql-binlog-files',
      description:
        'Binlog files on disk (a backup, files copied off a server): replayed through the same decoder and ' +
        'schema tracking as the `mysql` source, with checkpoints; ends at the end of the last file.',
      optionsSchema: mysqlBinlogFilesSourceOptionsSchema,
      optionNames: optionNamesOf(mysqlBinlogFilesSourceOptionsSchema),
      secretOptions: ['password'],
      create: async (options) => {
        const { MysqlBinlogFilesSource } = await import('./mysql/mysql-binlog-files-source.js');
        return new MysqlBinlogFilesSource(options as MysqlBinlogFilesSourceOptions);
      },
    })
    .registerSink({
      type: 'duckdb',
      description:
        'The embedded default store: one DuckDB schema per source database, one table per table; exactly-once.',
      optionsSchema: duckDbSinkOptionsSchema,
      optionNames: optionNamesOf(duckDbSinkOptionsSchema),
      create: async (options, spec) => {
        const { DuckDbSink } = await import('./duckdb/duckdb-sink.js');
        return new DuckDbSink({ ...(options as DuckDbSinkOptions), name: spec.sink.name });
      },
    });
}
