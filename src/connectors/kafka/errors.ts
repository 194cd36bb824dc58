import { defineErrorCodes } from '../../event/tidemark-error.js';

/** The error codes the Kafka sinks own (delivery, transactions, what a message cannot carry). */
export const KAFKA_SINK_ERROR_CODES = defineErrorCodes('kafka', {
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
});

declare module '../../event/tidemark-error.js' {
  // the codes become ErrorCodes where they are thrown (declaration merging needs an interface)
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ConnectorErrorCodes extends Record<keyof typeof KAFKA_SINK_ERROR_CODES.codes, true> {}
}
