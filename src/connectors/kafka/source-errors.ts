import { defineErrorCodes } from '../../event/tidemark-error.js';

/** The error codes the Kafka source owns. */
export const KAFKA_SOURCE_ERROR_CODES = defineErrorCodes('kafka', {
  KAFKA_SOURCE_DECODE: {
    summary:
      'A message cannot be read (not JSON, unknown op, a value not of its column type): the message names topic, partition and offset; fix the producer or set ingestion.ignore-errors.',
  },
  KAFKA_SOURCE_CONSUME: {
    summary:
      'The Kafka consumer failed (brokers unreachable, group or offset requests refused): the message says which.',
  },
  KAFKA_SOURCE_DEAD_LETTER: {
    summary:
      'A skipped message could not be produced to ingestion.dead-letter-topic: check the topic exists and the producer may write.',
  },
});

declare module '../../event/tidemark-error.js' {
  // the codes become ErrorCodes where they are thrown (declaration merging needs an interface)
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ConnectorErrorCodes extends Record<keyof typeof KAFKA_SOURCE_ERROR_CODES.codes, true> {}
}
