/** One message to produce: its key and value (null: none; a null value is a tombstone). */
export interface KafkaMessage {
  readonly key: string | null;
  readonly value: string | null;
}
