import type { TableId } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';

/** A message header as librdkafka takes it. */
export type KafkaHeader = Record<string, string>;

/**
 * The headers of a table's messages: `sink.custom-header` pairs, then (when enabled) the sink
 * table as `namespace`, `schemaName`, `tableName` (Flink CDC's; an absent part is an empty value).
 */
export function headerBuilder(custom: string, withTableId: boolean): (table: TableId) => KafkaHeader[] {
  const fixed = parseCustomHeaders(custom);
  if (!withTableId) return () => fixed;
  return (t) => [
    ...fixed,
    { namespace: t.namespace ?? '' },
    { schemaName: t.schemaName ?? '' },
    { tableName: t.tableName },
  ];
}

/** `k1:v1,k2:v2` → headers, in order. */
export function parseCustomHeaders(text: string): KafkaHeader[] {
  const out: KafkaHeader[] = [];
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf(':');
    if (at <= 0)
      throw new TidemarkError(
        'CONFIG_INVALID',
        `sink.custom-header: "${pair.trim()}" is not key:value (pairs are separated by ",")`,
      );
    out.push({ [pair.slice(0, at).trim()]: pair.slice(at + 1).trim() });
  }
  return out;
}
