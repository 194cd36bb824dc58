import { defineErrorCodes } from '../../event/tidemark-error.js';

/** The error codes the Kafka connector owns: its sinks (delivery, transactions) and its source. */
export const KAFKA_ERROR_CODES = defineErrorCodes('kafka', {
  KAFKA_SINK_DELIVERY: {
    summary:
      'Kafka did not acknowledge a message (the message names topic and partition; retryable where librdkafka says so).',
  },
  KAFKA_SINK_TRANSACTION: {
    summary:
      'A Kafka transaction (exactly-once) could not begin or commit; nothing of it is visible to read_committed consumers.',
  },
  KAFKA_SINK_ROW: {
    summary:
      'A row cannot be written as the format requires (a partial row image, a delete the format cannot carry): the message names the table.',
  },
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
  interface ConnectorErrorCodes extends Record<keyof typeof KAFKA_ERROR_CODES.codes, true> {}
}
