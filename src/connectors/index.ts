import { ComponentRegistry, optionNamesOf } from '../runtime/component-registry.js';
import { DuckDbSink } from './duckdb/duckdb-sink.js';
import { duckDbSinkOptionsSchema, type DuckDbSinkOptions } from './duckdb/duckdb-sink-options.js';
import { MysqlSource } from './mysql/mysql-source.js';
import { mysqlSourceOptionsSchema, type MysqlSourceOptions } from './mysql/mysql-source-options.js';

/** Every built-in component, registered by its `type`. */
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
      create: (options) => new MysqlSource(options as MysqlSourceOptions),
    })
    .registerSink({
      type: 'duckdb',
      description:
        'The embedded default store: one DuckDB schema per source database, one table per table; exactly-once.',
      optionsSchema: duckDbSinkOptionsSchema,
      optionNames: optionNamesOf(duckDbSinkOptionsSchema),
      create: (options, spec) => new DuckDbSink({ ...(options as DuckDbSinkOptions), name: spec.sink.name }),
    });
}
