import { closestNames } from '../../pipeline-spec/did-you-mean.js';

/**
 * The tables (or databases) named most like the pattern's parts, for a pattern that matches
 * nothing: a typo shows its fix without listing a whole server.
 */
export function nearMatches(
  pattern: string,
  all: readonly { readonly schemaName: string; readonly tableName: string }[],
): string {
  const ids = all.map((t) => `${t.schemaName}.${t.tableName}`);
  const dbs = [...new Set(all.map((t) => t.schemaName))];
  const near = new Set<string>();
  for (const part of pattern.split(',')) {
    // the pattern's literal text: `\.` is the regex dot, other regex syntax is left out
    const word = part
      .trim()
      .replace(/\\\./g, '')
      .replace(/[\\^$*+?()[\]{}|]/g, '');
    const [db = '', table = ''] = word.split('.');
    const names = table ? closestNames(word, ids) : [];
    for (const n of names.length ? names : closestNames(db, dbs)) near.add(n);
  }
  const count = `${dbs.length} database(s), ${ids.length} table(s) there`;
  return near.size
    ? `closest names there: ${[...near].slice(0, 5).join(', ')} (${count})`
    : `no database or table there is named like it (${count})`;
}
