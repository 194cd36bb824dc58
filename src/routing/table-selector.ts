import { TidemarkError } from '../event/tidemark-error.js';

/**
 * Flink CDC's `tables` / `tables.exclude` syntax (Selectors + Predicates in flink-cdc-common),
 * reproduced exactly:
 *
 * 1. The option is split at every comma not preceded by a backslash; parts are trimmed, empty parts
 *    dropped, and `\,` becomes `,`.
 * 2. Each part is split at every dot not preceded by a backslash; pieces are trimmed, empty pieces
 *    dropped, and `\.` becomes `.`, i.e. **the regex dot** ("any character"). So `app_db.\.*` is
 *    database `app_db`, table regex `.*`; `app_db.order\.*` is tables starting with `order`.
 *    A backslash before any other character is kept as-is (it stays a regex escape: `\d`).
 * 3. One piece = a table-name-only selector, two = database.table, three = namespace.database.table;
 *    more is an error. Each piece is a regex, split once more at unescaped commas (a `\,` that
 *    survived step 1 therefore makes alternatives), matched case-insensitively against the whole
 *    name (Java's `Pattern.matches`: anchored at both ends).
 * 4. Where tidemark departs from Flink: a one-piece selector against an id that has a database is
 *    matched against the whole `db.table` name. In Flink CDC `app_db\.*` (one piece: the regex
 *    `app_db.*`) matches no MySQL table ("Cannot find any table"), yet the seed tutorials write
 *    exactly that to mean "every table of app_db" — and as a regex over `db.table` it says so
 *    (Debezium's table.include.list works the same way). Such patterns are listed in `notes`.
 *
 * A table matches when any include selector matches it and no exclude selector does.
 */
export interface TableSelector {
  matches(db: string, table: string): boolean;
  /** The selectors as written after splitting, e.g. ["app_db.\\.*", "db1.user_table_[0-9]+"]. */
  readonly patterns: string[];
  /** One-piece patterns, matched against the whole `db.table` name (see rule 4). */
  readonly notes: string[];
}

interface Selector {
  readonly source: string;
  readonly db: RegExp[] | undefined;
  readonly table: RegExp[];
}

/** Splits at `sep` when it is not escaped by a backslash (the backslash escapes the next char). */
function splitUnescaped(input: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '\\') {
      if (i + 1 >= input.length) {
        throw new TidemarkError(
          'CONFIG_INVALID',
          `table pattern "${input}": unterminated escape sequence at the end of the string`,
        );
      }
      i++;
    } else if (c === sep) {
      parts.push(input.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(input.slice(start));
  return parts;
}

function splitParts(input: string, sep: string): string[] {
  const escaped = `\\${sep}`;
  return splitUnescaped(input, sep)
    .filter((p) => p.length > 0)
    .map((p) => p.trim().split(escaped).join(sep));
}

function compileRegexes(piece: string, whole: string): RegExp[] {
  return splitParts(piece, ',').map((re) => {
    try {
      // Java's Pattern.matches: the whole input must match. CASE_INSENSITIVE as in Predicates.includes.
      return new RegExp(`^(?:${re})$`, 'i');
    } catch (e) {
      throw new TidemarkError(
        'CONFIG_INVALID',
        `table pattern "${whole}": "${re}" is not a valid regular expression`,
        { cause: e },
      );
    }
  });
}

function compileSelectors(option: string, what: string): Selector[] {
  if (option.trim() === '') {
    throw new TidemarkError('CONFIG_INVALID', `${what} must not be empty`);
  }
  const selectors: Selector[] = [];
  const seen = new Set<string>();
  for (const part of splitParts(option, ',')) {
    if (part === '' || seen.has(part)) continue;
    seen.add(part);
    const pieces = splitParts(part, '.');
    if (pieces.length === 1) {
      selectors.push({ source: part, db: undefined, table: compileRegexes(pieces[0]!, part) });
    } else if (pieces.length === 2 || pieces.length === 3) {
      // Three pieces: namespace.db.table. MySQL ids have no namespace, and Flink then tests
      // database and table only (the namespace selector is ignored).
      const db = pieces[pieces.length - 2]!;
      const table = pieces[pieces.length - 1]!;
      selectors.push({ source: part, db: compileRegexes(db, part), table: compileRegexes(table, part) });
    } else {
      throw new TidemarkError('CONFIG_INVALID', `${what}: invalid table pattern "${part}" (too many dots)`);
    }
  }
  if (selectors.length === 0) throw new TidemarkError('CONFIG_INVALID', `${what} must not be empty`);
  return selectors;
}

function selectorMatches(s: Selector, db: string, table: string): boolean {
  // One piece: the table name for ids without a database, else the whole "db.table" (rule 4).
  if (s.db === undefined) {
    const name = db === '' ? table : `${db}.${table}`;
    return s.table.some((r) => r.test(name));
  }
  if (db === '') return s.table.some((r) => r.test(table));
  return s.db.some((r) => r.test(db)) && s.table.some((r) => r.test(table));
}

/** The selection as one text (`include` and `exclude` as configured): what a checkpoint records. */
export function tableSelection(include: string, exclude?: string): string {
  return exclude ? `${include} excluding ${exclude}` : include;
}

/** Why `include` (and `exclude`) do not compile, or undefined when they do: for offline checks. */
export function tableSelectorProblem(include: string, exclude?: string): string | undefined {
  try {
    compileTableSelector(include, exclude);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function compileTableSelector(include: string, exclude?: string): TableSelector {
  const inc = compileSelectors(include, "option 'tables'");
  const exc =
    exclude === undefined || exclude.trim() === ''
      ? []
      : compileSelectors(exclude, "option 'tables.exclude'");
  const notes = [...inc, ...exc]
    .filter((s) => s.db === undefined)
    .map(
      (s) =>
        `table pattern "${s.source}" has no unescaped dot: it is matched against the whole "db.table" name`,
    );
  return {
    patterns: inc.map((s) => s.source),
    notes,
    matches(db: string, table: string): boolean {
      return (
        inc.some((s) => selectorMatches(s, db, table)) && !exc.some((s) => selectorMatches(s, db, table))
      );
    },
  };
}
