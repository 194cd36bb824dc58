import { defineErrorCodes } from '../../event/tidemark-error.js';

/** The error codes the MySQL connector owns (the binlog: its settings, reading and decoding it). */
export const MYSQL_ERROR_CODES = defineErrorCodes('mysql', {
  SOURCE_BINLOG_CONFIG: {
    summary:
      'The server is not set up for CDC (log_bin, binlog_format=ROW, binlog_row_image=FULL, ...): the message names the setting.',
  },
  SOURCE_BINLOG_READ: { summary: 'Reading the binlog failed (a lost connection is retryable).' },
  SOURCE_BINLOG_DECODE: {
    summary: 'A binlog event cannot be decoded exactly: the message names file:pos, table and column.',
  },
});

declare module '../../event/tidemark-error.js' {
  // the codes become ErrorCodes where they are thrown (declaration merging needs an interface)
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ConnectorErrorCodes extends Record<keyof typeof MYSQL_ERROR_CODES.codes, true> {}
}
