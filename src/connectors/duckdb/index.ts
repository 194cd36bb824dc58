import path from 'node:path';
import { defineSink } from '../../runtime/connector-kit.js';
import type { Connector } from '../../runtime/component-registry.js';
import { duckDbSinkOptionsSchema } from './options.js';

/** The DuckDB connector: the embedded default sink. Its native binding loads only on `create`. */
export const duckDbConnector: Connector = {
  name: 'duckdb',
  sources: [],
  sinks: [
    defineSink({
      type: 'duckdb',
      description:
        'The embedded default store: one DuckDB schema per source database, one table per table; exactly-once.',
      options: duckDbSinkOptionsSchema,
      // two writers of one file in one process would each keep their own transaction and catalog
      claims: (options) => [
        {
          kind: 'duckdb-file',
          key: path.resolve(options.path),
          description: `the DuckDB file ${path.resolve(options.path)}`,
        },
      ],
      create: async (options, spec) => {
        const { DuckDbSink } = await import('./duckdb-sink.js');
        return new DuckDbSink({ ...options, name: spec.sink.name });
      },
    }),
  ],
};
