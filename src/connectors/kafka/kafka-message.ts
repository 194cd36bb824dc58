import type { TableId } from '../../event/table-schema.js';

/** One message to produce: the table it belongs to, its key and value (null: none, a tombstone). */
export interface KafkaMessage {
  readonly table: TableId;
  readonly key: string | null;
  readonly value: string | null;
}
