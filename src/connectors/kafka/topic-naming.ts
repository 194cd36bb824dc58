import { tableIdToString, type TableId } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';

/** Where a sink table's messages go: `topic`, else the mapping, else the topic `db.table`. */
export type TopicOf = (table: TableId) => string;

/**
 * The topic of each sink table. A table in `sink.tableId-to-topic.mapping` goes to its topic, any
 * other to `topic` when set, else to the topic named after the sink table (`db.table`; routes name
 * it, `topic_<>` with `replace-symbol` included).
 */
export function topicNaming(topic: string | undefined, mapping: string | undefined): TopicOf {
  const mapped = parseTopicMapping(mapping ?? '');
  return (table) => {
    const id = tableIdToString(table);
    return mapped.get(id) ?? topic ?? id;
  };
}

/** `db.tbl:topic;db.tbl2:topic2` → table id → topic. */
export function parseTopicMapping(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of text.split(';')) {
    if (pair.trim() === '') continue;
    const at = pair.lastIndexOf(':');
    const table = pair.slice(0, at).trim();
    const topic = pair.slice(at + 1).trim();
    if (at < 0 || table === '' || topic === '')
      throw new TidemarkError(
        'CONFIG_INVALID',
        `sink.tableId-to-topic.mapping: "${pair.trim()}" is not db.table:topic (pairs are separated by ";")`,
      );
    out.set(table, topic);
  }
  return out;
}
