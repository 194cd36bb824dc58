import type { AddColumnPosition } from '../../event/change-event.js';
import type { ColumnType } from '../../event/column-type.js';
import type { Column, ColumnDraft, TableId, TableSchema } from '../../event/table-schema.js';
import { tableId } from '../../event/table-schema.js';
import { TidemarkError } from '../../event/tidemark-error.js';
import { normalizeCharset } from './binlog/charset.js';
import { charsetOfCollationName, parseMysqlColumnType, scanQuotedString } from './type-mapping.js';

/**
 * One clause of an ALTER TABLE, in statement order. Column names are as written; they refer to
 * the table as it was before the statement (MySQL's rule), except `position.column` (AFTER x),
 * which names a column of the new layout. See alter-table.ts for the semantics.
 */
export type AlterClause =
  | {
      readonly kind: 'add-column';
      readonly column: Column;
      readonly position?: AddColumnPosition;
      readonly ifNotExists: boolean;
      /** Declared PRIMARY KEY on the column itself. */
      readonly primaryKey: boolean;
      /** The server computes each row's value: AUTO_INCREMENT, or a generated column (AS (expr)). */
      readonly computed?: 'auto-increment' | 'generated';
      /** A character column defined without CHARACTER SET/COLLATE: it takes the table's default. */
      readonly inheritsCharset: boolean;
    }
  | {
      /** CHANGE old new def (or MODIFY col def: `from` = the column's name). */
      readonly kind: 'change-column';
      readonly from: string;
      readonly column: Column;
      readonly position?: AddColumnPosition;
      readonly ifExists: boolean;
      readonly primaryKey: boolean;
      /** A character column defined without CHARACTER SET/COLLATE: it takes the table's default. */
      readonly inheritsCharset: boolean;
    }
  | { readonly kind: 'rename-column'; readonly from: string; readonly to: string; readonly ifExists: boolean }
  | { readonly kind: 'drop-column'; readonly column: string; readonly ifExists: boolean }
  /** ALTER COLUMN c SET DEFAULT x (defaultValue SQL text, null = NULL) / DROP DEFAULT (undefined). */
  | {
      readonly kind: 'set-default';
      readonly column: string;
      readonly defaultValue: string | null | undefined;
    }
  | { readonly kind: 'add-primary-key'; readonly columns: readonly string[] }
  | { readonly kind: 'drop-primary-key' }
  /** CONVERT TO CHARACTER SET: every character column gets it. */
  | { readonly kind: 'convert-charset'; readonly charset: string }
  /** [DEFAULT] CHARACTER SET / COLLATE as a table option: columns added later get it. */
  | { readonly kind: 'default-charset'; readonly charset: string }
  | { readonly kind: 'rename-table'; readonly to: TableId };

/** What a DDL statement does to the tables, as far as schema tracking needs. */
export type DdlStatement =
  | {
      readonly kind: 'create-table';
      readonly table: TableId;
      readonly schema: TableSchema;
      readonly ifNotExists: boolean;
      readonly orReplace: boolean;
    }
  | {
      readonly kind: 'create-like';
      readonly table: TableId;
      readonly like: TableId;
      readonly ifNotExists: boolean;
      readonly orReplace: boolean;
    }
  | {
      readonly kind: 'alter-table';
      readonly table: TableId;
      readonly ifExists: boolean;
      readonly clauses: readonly AlterClause[];
    }
  | { readonly kind: 'drop-table'; readonly tables: readonly TableId[]; readonly ifExists: boolean }
  | {
      readonly kind: 'rename-table';
      readonly renames: readonly { readonly from: TableId; readonly to: TableId }[];
    }
  | { readonly kind: 'truncate'; readonly table: TableId }
  | { readonly kind: 'other' };

export interface ParseDdlOptions {
  /**
   * The default character set of tables created without one: the database's (the QUERY event's
   * Q_CHARSET_DATABASE_CODE), else the server's.
   */
  readonly defaultCharset?: string;
  /** The default character set of an existing table, for columns ALTER TABLE defines without one. */
  readonly tableCharset?: (table: TableId) => string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokKind = 'word' | 'ident' | 'str' | 'num' | 'punct';
interface Tok {
  readonly kind: TokKind;
  /** word/num/punct: the text; ident: the unquoted name; str: the unescaped value. */
  readonly v: string;
  /** Offsets into the source: raw text is src.slice(start, end). */
  readonly start: number;
  readonly end: number;
}

const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

function lex(src: string): Tok[][] {
  const statements: Tok[][] = [];
  let toks: Tok[] = [];
  let i = 0;
  const n = src.length;
  let inVersioned = 0;
  const fail = (why: string): never => {
    throw new TidemarkError('SOURCE_SCHEMA', `cannot tokenize DDL (${why}): ${src}`, {
      details: { ddl: src },
    });
  };
  while (i < n) {
    const c = src[i]!;
    const c2 = src[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '/' && c2 === '*') {
      // /*! versioned */ and /*M! MariaDB-versioned */ comments: their content counts.
      if (src[i + 2] === '!' || (src[i + 2] === 'M' && src[i + 3] === '!')) {
        i += src[i + 2] === '!' ? 3 : 4;
        while (i < n && /[0-9]/.test(src[i]!)) i++;
        inVersioned++;
      } else {
        const close = src.indexOf('*/', i + 2);
        if (close < 0) fail('unterminated comment');
        i = close + 2;
      }
    } else if (c === '*' && c2 === '/' && inVersioned > 0) {
      inVersioned--;
      i += 2;
    } else if (c === '#' || (c === '-' && c2 === '-' && (i + 2 >= n || /\s/.test(src[i + 2]!)))) {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === "'" || c === '"') {
      const start = i;
      const r = scanQuotedString(src, i);
      if (!r) return fail('unterminated string');
      const out = r.value;
      i = r.end;
      toks.push({ kind: 'str', v: out, start, end: i });
    } else if (c === '`') {
      const start = i;
      let out = '';
      i++;
      for (;;) {
        if (i >= n) fail('unterminated quoted identifier');
        if (src[i] === '`') {
          if (src[i + 1] === '`') {
            out += '`';
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          out += src[i];
          i++;
        }
      }
      toks.push({ kind: 'ident', v: out, start, end: i });
    } else if (/[0-9]/.test(c) || (c === '.' && c2 !== undefined && /[0-9]/.test(c2) && !prevIsName(toks))) {
      const start = i;
      const m = /^(?:0x[0-9A-Fa-f]+|0b[01]+|\d*\.?\d+(?:[eE][+-]?\d+)?|\d+\.)/.exec(src.slice(i));
      let end = i + (m ? m[0].length : 1);
      if (end < n && WORD_CHAR.test(src[end]!)) {
        // An identifier starting with digits (1abc).
        while (end < n && WORD_CHAR.test(src[end]!)) end++;
        toks.push({ kind: 'word', v: src.slice(start, end), start, end });
      } else {
        toks.push({ kind: 'num', v: src.slice(start, end), start, end });
      }
      i = end;
    } else if (WORD_CHAR.test(c)) {
      const start = i;
      while (i < n && WORD_CHAR.test(src[i]!)) i++;
      toks.push({ kind: 'word', v: src.slice(start, i), start, end: i });
    } else if (c === ';') {
      if (toks.length > 0) statements.push(toks);
      toks = [];
      i++;
    } else {
      toks.push({ kind: 'punct', v: c, start: i, end: i + 1 });
      i++;
    }
  }
  if (toks.length > 0) statements.push(toks);
  return statements;
}

function prevIsName(toks: Tok[]): boolean {
  const p = toks[toks.length - 1];
  return p !== undefined && (p.kind === 'ident' || p.kind === 'word');
}

// ---------------------------------------------------------------------------------------------
// Parser

class Unparseable extends Error {}

/** Words that end a column's type and start its attributes. */
const TYPE_ATTRIBUTES = new Set([
  'UNSIGNED',
  'SIGNED',
  'ZEROFILL',
  'BINARY',
  'BYTE',
  'ASCII',
  'UNICODE',
  'PRECISION',
  'VARYING',
  'VARCHAR',
  'VARCHARACTER',
  'VARBINARY',
]);

/** Table-level elements of CREATE TABLE / ALTER TABLE ADD that are not columns. */
const INDEX_WORDS = new Set([
  'KEY',
  'INDEX',
  'UNIQUE',
  'FULLTEXT',
  'SPATIAL',
  'FOREIGN',
  'CHECK',
  'CONSTRAINT',
]);

class Parser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly toks: Tok[],
    private readonly defaultDb: string | undefined,
    private readonly opts: ParseDdlOptions = {},
  ) {}

  // -- token helpers --------------------------------------------------------------------------
  private peek(offset = 0): Tok | undefined {
    return this.toks[this.pos + offset];
  }
  private atEnd(): boolean {
    return this.pos >= this.toks.length;
  }
  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' && t.v.toUpperCase() === word;
  }
  private isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'punct' && t.v === p;
  }
  private acceptWord(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isWord(words[k]!, k)) return false;
    this.pos += words.length;
    return true;
  }
  private acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos++;
    return true;
  }
  private expectWord(word: string): void {
    if (!this.acceptWord(word)) this.fail(`expected ${word}`);
  }
  private expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(`expected "${p}"`);
  }
  private next(): Tok {
    const t = this.peek();
    if (!t) this.fail('unexpected end of statement');
    this.pos++;
    return t;
  }
  fail(why: string): never {
    const t = this.peek();
    const at = t ? ` at "${this.src.slice(t.start, t.start + 30)}"` : ' at end';
    throw new Unparseable(`${why}${at}`);
  }

  private name(): string {
    const t = this.next();
    if (t.kind === 'ident' || t.kind === 'word') return t.v;
    if (t.kind === 'str') return t.v; // 'name' is accepted for some names
    return this.fail('expected a name');
  }

  private tableName(): TableId {
    const first = this.name();
    if (this.isPunct('.')) {
      this.pos++;
      return tableId(first, this.name());
    }
    return tableId(this.defaultDb, first);
  }

  /** Skips a balanced parenthesised group starting at "(". */
  private skipParens(): void {
    this.expectPunct('(');
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.kind === 'punct' && t.v === '(') depth++;
      else if (t.kind === 'punct' && t.v === ')') depth--;
    }
  }

  /**
   * MariaDB's `SET STATEMENT var = value [, ...] FOR statement` runs the statement with those
   * session variables; the binlog keeps the prefix (and the QUERY event the effective sql_mode).
   */
  private skipSetStatement(): void {
    if (!this.acceptWord('SET', 'STATEMENT')) return;
    while (!this.acceptWord('FOR')) {
      if (this.isPunct('(')) this.skipParens();
      else this.next();
    }
  }

  /** Skips to the next comma or closing paren at depth 0 (not consumed), or the end. */
  private skipClause(): void {
    while (!this.atEnd() && !this.isPunct(',') && !this.isPunct(')')) {
      if (this.isPunct('(')) this.skipParens();
      else this.pos++;
    }
  }

  private rawFrom(startTok: number): string {
    const a = this.toks[startTok];
    const b = this.toks[this.pos - 1];
    if (!a || !b) return '';
    return this.src.slice(a.start, b.end);
  }

  // -- statements -----------------------------------------------------------------------------
  statement(): DdlStatement {
    this.skipSetStatement();
    if (this.acceptWord('CREATE')) {
      const orReplace = this.acceptWord('OR', 'REPLACE');
      if (this.isWord('TEMPORARY')) return { kind: 'other' };
      if (!this.acceptWord('TABLE')) return { kind: 'other' };
      return this.createTable(orReplace);
    }
    if (this.acceptWord('ALTER')) {
      this.acceptWord('ONLINE');
      this.acceptWord('IGNORE');
      if (!this.acceptWord('TABLE')) return { kind: 'other' };
      return this.alterTable();
    }
    if (this.acceptWord('DROP')) {
      if (this.isWord('TEMPORARY')) return { kind: 'other' };
      if (!this.acceptWord('TABLE') && !this.acceptWord('TABLES')) return { kind: 'other' };
      const ifExists = this.acceptWord('IF', 'EXISTS');
      this.skipWaitNowait();
      const tables = [this.tableName()];
      while (this.acceptPunct(',')) tables.push(this.tableName());
      if (!this.acceptWord('RESTRICT')) this.acceptWord('CASCADE');
      return { kind: 'drop-table', tables, ifExists };
    }
    if (this.acceptWord('RENAME')) {
      if (!this.acceptWord('TABLE') && !this.acceptWord('TABLES')) return { kind: 'other' };
      this.acceptWord('IF', 'EXISTS');
      const renames: { from: TableId; to: TableId }[] = [];
      do {
        const from = this.tableName();
        this.skipWaitNowait();
        this.expectWord('TO');
        renames.push({ from, to: this.tableName() });
      } while (this.acceptPunct(','));
      return { kind: 'rename-table', renames };
    }
    if (this.acceptWord('TRUNCATE')) {
      this.acceptWord('TABLE');
      const table = this.tableName();
      this.skipWaitNowait();
      return { kind: 'truncate', table };
    }
    return { kind: 'other' };
  }

  private skipWaitNowait(): void {
    if (this.acceptWord('WAIT')) this.next();
    else this.acceptWord('NOWAIT');
  }

  private end(): void {
    if (!this.atEnd()) this.fail('unexpected text');
  }

  private createTable(orReplace: boolean): DdlStatement {
    const ifNotExists = this.acceptWord('IF', 'NOT', 'EXISTS');
    const table = this.tableName();
    if (this.acceptWord('LIKE')) {
      return { kind: 'create-like', table, like: this.tableName(), ifNotExists, orReplace };
    }
    if (this.isPunct('(') && this.isWord('LIKE', 1)) {
      this.pos += 2;
      const like = this.tableName();
      this.expectPunct(')');
      return { kind: 'create-like', table, like, ifNotExists, orReplace };
    }
    if (!this.isPunct('(')) this.fail('CREATE TABLE without a column list');
    this.pos++;
    const defs: ColumnDef[] = [];
    let primaryKeys: string[] = [];
    for (;;) {
      const pk = this.tablePrimaryKey();
      if (pk) primaryKeys = pk;
      else if (this.isTableElement()) this.skipClause();
      else {
        const def = this.columnDef();
        defs.push(def);
        if (def.primaryKey) primaryKeys = [def.name];
      }
      if (this.acceptPunct(',')) continue;
      this.expectPunct(')');
      break;
    }
    // Table options; CREATE ... SELECT and partitioning after them are ignored.
    // Primary key columns are NOT NULL even when not declared so.
    const pkLower = new Set(primaryKeys.map((k) => k.toLowerCase()));
    for (const d of defs) if (pkLower.has(d.name.toLowerCase())) d.nullable = false;
    const opts = this.tableOptions();
    const charset = opts.charset ?? this.opts.defaultCharset;
    const schema: { columns: Column[]; primaryKeys: string[]; comment?: string; charset?: string } = {
      columns: defs.map((d) => d.toColumn(charset)),
      primaryKeys,
    };
    if (opts.comment !== undefined) schema.comment = opts.comment;
    if (charset !== undefined) schema.charset = charset;
    return { kind: 'create-table', table, schema, ifNotExists, orReplace };
  }

  /** Reads table options up to the end, keeping charset and comment; ignores the rest. */
  private tableOptions(): { charset?: string; comment?: string } {
    const out: { charset?: string; comment?: string } = {};
    while (!this.atEnd()) {
      if (this.isWord('AS') || this.isWord('SELECT') || this.isWord('PARTITION') || this.isPunct('(')) break;
      if (this.acceptWord('DEFAULT')) continue;
      if (this.acceptWord('CHARACTER', 'SET') || this.acceptWord('CHARSET')) {
        this.acceptPunct('=');
        out.charset = normalizeCharset(this.name());
      } else if (this.acceptWord('COLLATE')) {
        this.acceptPunct('=');
        out.charset ??= charsetOfCollationName(this.name());
      } else if (this.acceptWord('COMMENT')) {
        this.acceptPunct('=');
        const t = this.next();
        if (t.kind === 'str') out.comment = t.v;
      } else {
        this.pos++;
      }
    }
    return out;
  }

  private isTableElement(): boolean {
    const t = this.peek();
    if (t?.kind !== 'word') return false;
    const w = t.v.toUpperCase();
    if (INDEX_WORDS.has(w)) return true;
    return w === 'PERIOD' && this.isWord('FOR', 1);
  }

  /** [CONSTRAINT [name]] PRIMARY KEY [USING x] (cols) ... → the key columns. */
  private tablePrimaryKey(): string[] | undefined {
    const save = this.pos;
    if (this.acceptWord('CONSTRAINT')) {
      if (!this.isWord('PRIMARY')) this.next();
    }
    if (!this.acceptWord('PRIMARY', 'KEY')) {
      this.pos = save;
      return undefined;
    }
    const cols = this.keyColumns();
    this.skipClause();
    return cols;
  }

  private keyColumns(): string[] {
    if (this.acceptWord('USING')) this.next();
    this.expectPunct('(');
    const cols: string[] = [];
    for (;;) {
      cols.push(this.name());
      this.skipClause(); // (prefix length), ASC/DESC
      if (this.acceptPunct(',')) continue;
      this.expectPunct(')');
      return cols;
    }
  }

  private columnDef(): ColumnDef {
    const name = this.name();
    // Type: a name, optional (args), type attributes, CHARACTER SET/COLLATE.
    const typeStart = this.pos;
    const typeName = this.next();
    if (typeName.kind !== 'word') this.fail('expected a column type');
    let typeText = typeName.v;
    let afterTypeName = true;
    for (;;) {
      if (this.isPunct('(') && afterTypeName) {
        const s = this.pos;
        this.skipParens();
        typeText += ' ' + this.renderTokens(s, this.pos);
        afterTypeName = false;
      } else if (
        this.peek()?.kind === 'word' &&
        (TYPE_ATTRIBUTES.has(this.peek()!.v.toUpperCase()) || (afterTypeName && /^national$/i.test(typeText)))
      ) {
        const w = this.next().v;
        typeText += ' ' + w;
        afterTypeName =
          /^national$/i.test(typeText) ||
          ['PRECISION', 'VARYING', 'VARCHAR', 'VARCHARACTER', 'VARBINARY', 'CHAR', 'CHARACTER'].includes(
            w.toUpperCase(),
          );
      } else if (this.charsetClause()) {
        typeText += ' ' + this.lastCharsetClause;
      } else {
        break;
      }
    }
    if (this.pos === typeStart) this.fail('expected a column type');
    const def = new ColumnDef(name, typeText);
    // Attributes.
    while (!this.atEnd() && !this.isPunct(',') && !this.isPunct(')')) {
      if (this.acceptWord('NOT', 'NULL')) def.nullable = false;
      else if (this.acceptWord('NULL')) def.nullable = true;
      else if (this.acceptWord('DEFAULT')) def.defaultValue = this.defaultExpr();
      else if (this.acceptWord('COMMENT')) {
        const t = this.next();
        if (t.kind !== 'str') this.fail('expected a comment string');
        def.comment = t.v;
      } else if (this.acceptWord('PRIMARY', 'KEY') || this.acceptWord('KEY')) def.primaryKey = true;
      else if (this.acceptWord('UNIQUE')) this.acceptWord('KEY');
      else if (this.acceptWord('AUTO_INCREMENT')) def.autoIncrement = true;
      else if (this.acceptWord('ON', 'UPDATE')) this.defaultExpr();
      else if (this.charsetClause()) def.typeText += ' ' + this.lastCharsetClause;
      else if (this.acceptWord('CHECK')) {
        const s = this.pos;
        this.skipParens();
        const expr = this.renderTokens(s, this.pos).replace(/\s+/g, '').toLowerCase();
        if (expr === `(json_valid(\`${name.toLowerCase().replace(/`/g, '``')}\`))`) def.jsonCheck = true;
      } else if (this.acceptWord('CONSTRAINT')) {
        if (!this.isWord('CHECK')) this.next();
      } else if (this.acceptWord('GENERATED', 'ALWAYS')) {
        // AS (expr) follows
      } else if (this.acceptWord('AS')) {
        this.skipParens();
        def.generated = true;
      } else if (this.acceptWord('REFERENCES')) {
        this.skipClause();
      } else if (this.acceptWord('SERIAL', 'DEFAULT', 'VALUE')) {
        def.nullable = false;
      } else if (
        this.acceptWord('COLUMN_FORMAT') ||
        this.acceptWord('STORAGE') ||
        this.acceptWord('SRID') ||
        this.acceptWord('REF_SYSTEM_ID')
      ) {
        this.acceptPunct('=');
        this.next();
      } else if (
        this.acceptWord('VIRTUAL') ||
        this.acceptWord('STORED') ||
        this.acceptWord('PERSISTENT') ||
        this.acceptWord('INVISIBLE') ||
        this.acceptWord('VISIBLE') ||
        this.acceptWord('COMPRESSED') ||
        this.acceptWord('WITH', 'SYSTEM', 'VERSIONING') ||
        this.acceptWord('WITHOUT', 'SYSTEM', 'VERSIONING')
      ) {
        // ignored
      } else if (this.isWord('FIRST') || this.isWord('AFTER')) {
        break; // ALTER position, read by the caller
      } else if (this.acceptWord('ENGINE_ATTRIBUTE') || this.acceptWord('SECONDARY_ENGINE_ATTRIBUTE')) {
        this.acceptPunct('=');
        this.next();
      } else {
        this.fail('unknown column attribute');
      }
    }
    return def;
  }

  private lastCharsetClause = '';
  /** CHARACTER SET x / CHARSET x / COLLATE x (with optional "="); renders it for the type parser. */
  private charsetClause(): boolean {
    if (this.acceptWord('CHARACTER', 'SET') || this.acceptWord('CHARSET') || this.acceptWord('CHAR', 'SET')) {
      this.acceptPunct('=');
      this.lastCharsetClause = `character set ${quoteName(this.name())}`;
      return true;
    }
    if (this.acceptWord('COLLATE')) {
      this.acceptPunct('=');
      this.lastCharsetClause = `collate ${quoteName(this.name())}`;
      return true;
    }
    return false;
  }

  /** Renders tokens [from, to) back to text the type parser reads (strings re-quoted). */
  private renderTokens(from: number, to: number): string {
    const parts: string[] = [];
    for (let k = from; k < to; k++) {
      const t = this.toks[k]!;
      if (t.kind === 'str') parts.push(quoteString(t.v));
      else if (t.kind === 'ident') parts.push(quoteName(t.v));
      else parts.push(t.v);
    }
    return parts.join(' ');
  }

  /** A DEFAULT value as SQL text in MariaDB's information_schema form; null for DEFAULT NULL. */
  private defaultExpr(): string | null {
    const start = this.pos;
    const t = this.next();
    if (t.kind === 'str') return quoteString(t.v);
    if (t.kind === 'num') return t.v;
    if (t.kind === 'punct' && (t.v === '-' || t.v === '+')) {
      const num = this.next();
      return t.v === '-' ? `-${num.v}` : num.v;
    }
    if (t.kind === 'punct' && t.v === '(') {
      this.pos--;
      this.skipParens();
      return this.rawFrom(start);
    }
    if (t.kind !== 'word') return this.fail('expected a default value');
    const w = t.v.toUpperCase();
    if (w === 'NULL') return null;
    // Introducers and typed literals: _utf8mb4'x', N'x', X'ff', B'01', DATE '2020-01-01'.
    const nextTok = this.peek();
    if (nextTok?.kind === 'str') {
      this.pos++;
      if (w.startsWith('_') || w === 'N' || w === 'DATE' || w === 'TIME' || w === 'TIMESTAMP') {
        return quoteString(nextTok.v);
      }
      return `${t.v.toLowerCase()}'${nextTok.v}'`;
    }
    if (['CURRENT_TIMESTAMP', 'NOW', 'LOCALTIMESTAMP', 'LOCALTIME'].includes(w)) {
      let precision = '';
      if (this.acceptPunct('(')) {
        if (this.peek()?.kind === 'num') precision = this.next().v;
        this.expectPunct(')');
      }
      return `current_timestamp(${precision})`;
    }
    if (this.isPunct('(')) this.skipParens();
    return this.rawFrom(start);
  }

  private position(): AddColumnPosition | undefined {
    if (this.acceptWord('FIRST')) return { kind: 'first' };
    if (this.acceptWord('AFTER')) return { kind: 'after', column: this.name() };
    return undefined;
  }

  private alterTable(): DdlStatement {
    const ifExists = this.acceptWord('IF', 'EXISTS');
    const table = this.tableName();
    this.skipWaitNowait();
    const charset = this.opts.tableCharset?.(table);
    const clauses: AlterClause[] = [];
    while (!this.atEnd()) {
      if (!this.alterClause(clauses, charset)) this.alterOptions(clauses);
      if (this.acceptPunct(',')) continue;
      if (this.atEnd()) break;
      // Table options and partition clauses may follow without a comma.
      this.alterOptions(clauses);
      if (!this.atEnd() && !this.acceptPunct(',')) this.fail('unexpected text');
    }
    this.end();
    return { kind: 'alter-table', table, ifExists, clauses };
  }

  /** One ALTER TABLE clause that concerns columns, keys or the name; false when it is none of those. */
  private alterClause(out: AlterClause[], charset: string | undefined): boolean {
    if (this.acceptWord('ADD')) {
      this.alterAdd(out, charset);
    } else if (this.acceptWord('DROP')) {
      if (this.acceptWord('PRIMARY', 'KEY')) out.push({ kind: 'drop-primary-key' });
      else if (this.isTableElement() || ['PARTITION', 'PERIOD', 'SYSTEM'].some((w) => this.isWord(w)))
        this.skipClause();
      else {
        this.acceptWord('COLUMN');
        const ifExists = this.acceptWord('IF', 'EXISTS');
        const column = this.name();
        if (!this.acceptWord('RESTRICT')) this.acceptWord('CASCADE');
        out.push({ kind: 'drop-column', column, ifExists });
      }
    } else if (this.acceptWord('MODIFY') || this.isWord('CHANGE')) {
      const change = this.acceptWord('CHANGE');
      this.acceptWord('COLUMN');
      const ifExists = this.acceptWord('IF', 'EXISTS');
      const from = change ? this.name() : (this.peek()?.v ?? '');
      const def = this.columnDef();
      const position = this.position();
      out.push({
        kind: 'change-column',
        from,
        column: def.toColumn(charset),
        ...(position ? { position } : {}),
        ifExists,
        primaryKey: def.primaryKey,
        inheritsCharset: def.inheritsCharset,
      });
    } else if (this.acceptWord('RENAME')) {
      if (this.acceptWord('COLUMN')) {
        const ifExists = this.acceptWord('IF', 'EXISTS');
        const from = this.name();
        this.expectWord('TO');
        out.push({ kind: 'rename-column', from, to: this.name(), ifExists });
      } else if (this.isWord('INDEX') || this.isWord('KEY')) {
        this.skipClause();
      } else {
        if (!this.acceptWord('TO')) this.acceptWord('AS');
        out.push({ kind: 'rename-table', to: this.tableName() });
      }
    } else if (this.isWord('ALTER') && !this.isWord('INDEX', 1) && !this.isWord('CHECK', 1)) {
      this.alterColumnDefault(out);
    } else if (this.acceptWord('CONVERT', 'TO')) {
      const cs = this.charsetOption();
      if (!cs) this.fail('expected CHARACTER SET after CONVERT TO');
      out.push({ kind: 'convert-charset', charset: cs });
    } else {
      return false;
    }
    return true;
  }

  /** ADD [COLUMN] [IF NOT EXISTS] def [FIRST|AFTER x] | ADD (defs) | ADD PRIMARY KEY (…) | ADD INDEX…. */
  private alterAdd(out: AlterClause[], charset: string | undefined): void {
    const pk = this.tablePrimaryKey();
    if (pk) {
      out.push({ kind: 'add-primary-key', columns: pk });
      return;
    }
    if (this.isTableElement() || this.isWord('PARTITION') || this.isWord('PERIOD') || this.isWord('SYSTEM')) {
      this.skipClause();
      return;
    }
    this.acceptWord('COLUMN');
    const ifNotExists = this.acceptWord('IF', 'NOT', 'EXISTS');
    const add = (def: ColumnDef, position: AddColumnPosition | undefined): void => {
      const computed = def.generated ? 'generated' : def.autoIncrement ? 'auto-increment' : undefined;
      out.push({
        kind: 'add-column',
        column: def.toColumn(charset),
        ...(position ? { position } : {}),
        ifNotExists,
        primaryKey: def.primaryKey,
        ...(computed ? { computed } : {}),
        inheritsCharset: def.inheritsCharset,
      });
    };
    if (!this.acceptPunct('(')) {
      const def = this.columnDef();
      add(def, this.position());
      return;
    }
    for (;;) {
      const pk2 = this.tablePrimaryKey();
      if (pk2) out.push({ kind: 'add-primary-key', columns: pk2 });
      else if (this.isTableElement()) this.skipClause();
      else add(this.columnDef(), undefined);
      if (this.acceptPunct(',')) continue;
      this.expectPunct(')');
      return;
    }
  }

  /** ALTER [COLUMN] [IF EXISTS] c SET DEFAULT x | DROP DEFAULT | other (visibility…). */
  private alterColumnDefault(out: AlterClause[]): void {
    this.expectWord('ALTER');
    this.acceptWord('COLUMN');
    this.acceptWord('IF', 'EXISTS');
    const column = this.name();
    if (this.acceptWord('SET', 'DEFAULT')) {
      out.push({ kind: 'set-default', column, defaultValue: this.defaultExpr() });
    } else if (this.acceptWord('DROP', 'DEFAULT')) {
      out.push({ kind: 'set-default', column, defaultValue: undefined });
    } else {
      this.skipClause();
    }
  }

  /** Table options up to the next comma: keeps a default character set, skips the rest. */
  private alterOptions(out: AlterClause[]): void {
    while (!this.atEnd() && !this.isPunct(',')) {
      if (this.isPunct('(')) {
        this.skipParens();
        continue;
      }
      this.acceptWord('DEFAULT');
      const cs = this.charsetOption();
      if (cs) out.push({ kind: 'default-charset', charset: cs });
      else this.pos++;
    }
  }

  /** CHARACTER SET [=] x [COLLATE [=] y] | CHARSET … | COLLATE [=] y → the charset; undefined if none. */
  private charsetOption(): string | undefined {
    let cs: string | undefined;
    if (this.acceptWord('CHARACTER', 'SET') || this.acceptWord('CHARSET') || this.acceptWord('CHAR', 'SET')) {
      this.acceptPunct('=');
      cs = normalizeCharset(this.name());
    }
    if (this.acceptWord('COLLATE')) {
      this.acceptPunct('=');
      cs ??= charsetOfCollationName(this.name());
    }
    return cs;
  }
}

class ColumnDef {
  nullable = true;
  defaultValue: string | null | undefined = undefined;
  comment: string | undefined;
  primaryKey = false;
  autoIncrement = false;
  jsonCheck = false;
  /** A generated column (AS (expr) [VIRTUAL|STORED|PERSISTENT]). */
  generated = false;

  /** No CHARACTER SET / COLLATE given: a character column takes the table's default charset. */
  get inheritsCharset(): boolean {
    return !/\b(character set|collate)\b/i.test(this.typeText);
  }

  constructor(
    readonly name: string,
    public typeText: string,
  ) {}

  type(tableCharset: string | undefined): ColumnType {
    const opts = tableCharset === undefined ? {} : { charset: tableCharset };
    const t = parseMysqlColumnType(this.typeText, opts);
    // MariaDB's JSON is LONGTEXT with CHECK (json_valid(`c`)).
    if (this.jsonCheck && t.kind === 'string' && t.text === 'long') return { kind: 'json' };
    return t;
  }

  /** The column as information_schema would describe it. */
  toColumn(tableCharset: string | undefined): Column {
    const type = this.type(tableCharset);
    const nullable = this.nullable && !this.primaryKey && !/^serial\b/i.test(this.typeText);
    let defaultValue = this.defaultValue;
    // A nullable column without DEFAULT has DEFAULT NULL (what information_schema says).
    if (defaultValue === undefined && nullable && !this.autoIncrement) defaultValue = null;
    const col: ColumnDraft = { name: this.name, type, nullable };
    if (defaultValue !== undefined) col.defaultValue = defaultValue;
    if (this.comment !== undefined && this.comment !== '') col.comment = this.comment;
    return col;
  }
}

function quoteString(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function quoteName(v: string): string {
  return '`' + v.replace(/`/g, '``') + '`';
}

/**
 * Parses the DDL of a binlog QUERY event (or any MySQL/MariaDB script) into schema-tracking
 * statements. `defaultDb` qualifies unqualified table names (the QUERY event's database).
 *
 * Statements that do not change table schemas (GRANT, CREATE INDEX, CREATE DATABASE, BEGIN, SET,
 * INSERT, ...) give `{kind: 'other'}`. A CREATE/ALTER/DROP/RENAME/TRUNCATE TABLE that cannot be
 * parsed throws TidemarkError('SOURCE_SCHEMA') with the SQL in the message and, when the table name
 * was read, `details.table`, so that the caller can ignore it for tables it does not capture.
 */
export function parseDdl(
  sql: string,
  defaultDb: string | undefined,
  options: ParseDdlOptions = {},
): DdlStatement[] {
  const out: DdlStatement[] = [];
  for (const toks of lex(sql)) {
    const p = new Parser(sql, toks, defaultDb, options);
    try {
      out.push(p.statement());
    } catch (e) {
      if (e instanceof Unparseable || e instanceof TidemarkError) {
        const table = guessTable(toks, defaultDb);
        throw new TidemarkError('SOURCE_SCHEMA', `cannot parse DDL (${e.message}): ${sql}`, {
          cause: e,
          details: { ddl: sql, ...(table ? { table } : {}) },
        });
      }
      throw e;
    }
  }
  return out;
}

/** The table a failed statement is about: the name after TABLE [IF [NOT] EXISTS]. */
function guessTable(toks: Tok[], defaultDb: string | undefined): TableId | undefined {
  let i = toks.findIndex((t) => t.kind === 'word' && /^(TABLE|TRUNCATE)$/i.test(t.v));
  if (i < 0) return undefined;
  i++;
  while (toks[i]?.kind === 'word' && /^(IF|NOT|EXISTS|TABLE)$/i.test(toks[i]!.v)) i++;
  const a = toks[i];
  if (!a || (a.kind !== 'word' && a.kind !== 'ident')) return undefined;
  const dot = toks[i + 1];
  const b = toks[i + 2];
  if (dot?.kind === 'punct' && dot.v === '.' && b && (b.kind === 'word' || b.kind === 'ident')) {
    return tableId(a.v, b.v);
  }
  return tableId(defaultDb, a.v);
}
