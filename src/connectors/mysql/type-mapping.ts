import type { ColumnType } from '../../event/column-type.js';
import { normalizeCharset, storedText } from './binlog/charset.js';
import { TidemarkError } from '../../event/tidemark-error.js';

export interface ParseMysqlColumnTypeOptions {
  /**
   * Character set of the column when the type text does not name one (information_schema's
   * CHARACTER_SET_NAME, or the table's default charset for DDL). Kept on string types.
   */
  charset?: string;
  /**
   * Map TINYINT(1) / BOOL / BOOLEAN to `{kind: 'boolean'}` (Flink CDC's
   * `treat-tinyint1-as-boolean.enabled`). Default false: TINYINT(1) stays a lossless 1-byte integer,
   * since it may hold any value in -128..127.
   */
  tinyInt1AsBoolean?: boolean;
}

/** The charset a collation belongs to: its name up to the first underscore (utf8mb4_bin → utf8mb4). */
export function charsetOfCollationName(collation: string): string {
  const lower = collation.toLowerCase();
  const i = lower.indexOf('_');
  return normalizeCharset(i < 0 ? lower : lower.slice(0, i));
}

type Tok = { kind: 'word'; text: string } | { kind: 'str'; text: string } | { kind: 'punct'; text: string };

function tokenizeType(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      const r = scanQuotedString(text, i);
      if (!r) throw badType(text, 'unterminated string');
      const out = r.value;
      i = r.end;
      toks.push({ kind: 'str', text: out });
    } else if (c === '`') {
      // A quoted charset/collation name.
      let out = '';
      i++;
      while (i < n && !(text[i] === '`' && text[i + 1] !== '`')) {
        if (text[i] === '`') i++;
        out += text[i];
        i++;
      }
      i++;
      toks.push({ kind: 'word', text: out.toLowerCase() });
    } else if (/[A-Za-z0-9_$.+-]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$.+-]/.test(text[j]!)) j++;
      toks.push({ kind: 'word', text: text.slice(i, j).toLowerCase() });
      i = j;
    } else {
      toks.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return toks;
}

/** Backslash escapes of MySQL string literals. */
export function unescapeChar(c: string): string {
  switch (c) {
    case '0':
      return '\0';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'Z':
      return '\x1a';
    default:
      return c;
  }
}

/**
 * Reads the SQL string literal that starts at `src[start]` (a ' or " quote): backslash escapes and
 * doubled quotes as MySQL reads them. Returns the value and the index after the closing quote, or
 * undefined when the literal is not terminated.
 */
export function scanQuotedString(src: string, start: number): { value: string; end: number } | undefined {
  const quote = src[start];
  const n = src.length;
  let out = '';
  let i = start + 1;
  while (i < n) {
    const d = src[i]!;
    if (d === '\\' && i + 1 < n) {
      out += unescapeChar(src[i + 1]!);
      i += 2;
    } else if (d === quote) {
      if (src[i + 1] === quote) {
        out += quote;
        i += 2;
      } else {
        return { value: out, end: i + 1 };
      }
    } else {
      out += d;
      i++;
    }
  }
  return undefined;
}

function badType(text: string, why: string): TidemarkError {
  return new TidemarkError('SOURCE_SCHEMA', `cannot parse MySQL column type "${text}": ${why}`, {
    details: { columnType: text },
  });
}

const GEOMETRY_TYPES = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

const INTEGER_BYTES: Record<string, 1 | 2 | 3 | 4 | 8> = {
  tinyint: 1,
  int1: 1,
  smallint: 2,
  int2: 2,
  mediumint: 3,
  int3: 3,
  middleint: 3,
  int: 4,
  integer: 4,
  int4: 4,
  bigint: 8,
  int8: 8,
};

const TEXT_SIZES: Record<string, 'tiny' | 'text' | 'medium' | 'long'> = {
  tinytext: 'tiny',
  text: 'text',
  mediumtext: 'medium',
  longtext: 'long',
};
const BLOB_SIZES: Record<string, 'tiny' | 'blob' | 'medium' | 'long'> = {
  tinyblob: 'tiny',
  blob: 'blob',
  mediumblob: 'medium',
  longblob: 'long',
};

/**
 * Parses a MySQL/MariaDB column type as information_schema.COLUMNS.COLUMN_TYPE or a DDL column
 * definition writes it (`int(11) unsigned`, `decimal(10,2)`, `enum('a','b''c')`,
 * `varchar(20) character set latin1`, `national char(3)`, `char(3) byte`, `serial`, ...).
 *
 * The text may carry the type attributes that belong to the type (UNSIGNED, SIGNED, ZEROFILL,
 * CHARACTER SET / CHARSET, COLLATE, BINARY, BYTE, ASCII, UNICODE); nothing else (no NULL/DEFAULT).
 * MariaDB's UUID, INET4 and INET6 map to strings with their `format`. Throws TidemarkError('SOURCE_SCHEMA') for text
 * that is not a column type.
 *
 * One long function on purpose: its body is the switch over every MySQL/MariaDB type name, read
 * best as one table (like the decoder's switch over column types).
 */
export function parseMysqlColumnType(columnType: string, opts: ParseMysqlColumnTypeOptions = {}): ColumnType {
  const toks = tokenizeType(columnType);
  let pos = 0;
  const peekWord = (): string | undefined => {
    const t = toks[pos];
    return t?.kind === 'word' ? t.text : undefined;
  };
  const nextWord = (): string => {
    const t = toks[pos];
    if (t?.kind !== 'word') throw badType(columnType, 'expected a word');
    pos++;
    return t.text;
  };

  let national = false;
  let name = nextWord();
  if (name === 'national') {
    national = true;
    name = nextWord();
  }
  // Multi-word type names.
  const follow = peekWord();
  if (name === 'double' && follow === 'precision') {
    pos++;
  } else if ((name === 'char' || name === 'character') && follow === 'varying') {
    pos++;
    name = 'varchar';
  } else if (
    name === 'long' &&
    (follow === 'varbinary' || follow === 'varchar' || follow === 'varcharacter')
  ) {
    pos++;
    name = follow === 'varbinary' ? 'mediumblob' : 'mediumtext';
  }
  if (name === 'long') name = 'mediumtext';
  if (name === 'character') name = 'char';
  if (name === 'nchar') {
    national = true;
    name = 'char';
  }
  if (name === 'nvarchar') {
    national = true;
    name = 'varchar';
  }

  // Parenthesised arguments: numbers, or string literals for ENUM/SET.
  const args: string[] = [];
  let hasArgs = false;
  if (toks[pos]?.kind === 'punct' && toks[pos]!.text === '(') {
    hasArgs = true;
    pos++;
    for (;;) {
      const t = toks[pos];
      if (!t) throw badType(columnType, 'unterminated argument list');
      pos++;
      if (t.kind === 'punct' && t.text === ')') break;
      if (t.kind === 'punct' && t.text === ',') continue;
      args.push(t.text);
    }
  }

  // Attributes.
  let unsigned = false;
  let charset: string | undefined;
  let binaryCharset = false; // CHARACTER SET binary, or BYTE
  while (pos < toks.length) {
    const w = nextWord();
    if (w === 'unsigned' || w === 'zerofill') {
      unsigned = true; // ZEROFILL implies UNSIGNED
    } else if (w === 'signed') {
      // default
    } else if (w === 'character' || w === 'char' || w === 'charset') {
      if (w !== 'charset') {
        if (nextWord() !== 'set') throw badType(columnType, `expected SET after ${w.toUpperCase()}`);
      }
      if (toks[pos]?.kind === 'punct' && toks[pos]!.text === '=') pos++;
      const cs = normalizeCharset(nextWord());
      if (cs === 'binary') binaryCharset = true;
      else charset = cs;
    } else if (w === 'collate') {
      if (toks[pos]?.kind === 'punct' && toks[pos]!.text === '=') pos++;
      const coll = nextWord();
      if (coll !== 'binary') charset ??= charsetOfCollationName(coll);
    } else if (w === 'byte') {
      binaryCharset = true;
    } else if (w === 'binary') {
      // VARCHAR(n) BINARY: the _bin collation of the charset; still text.
    } else if (w === 'ascii') {
      charset = 'latin1';
    } else if (w === 'unicode') {
      charset = 'ucs2';
    } else {
      throw badType(columnType, `unexpected "${w}"`);
    }
  }
  if (national) charset = 'utf8mb3';
  charset ??= opts.charset === undefined ? undefined : normalizeCharset(opts.charset);
  if (charset === 'binary') {
    binaryCharset = true;
    charset = undefined;
  }

  const num = (i: number, dflt: number): number => {
    const a = args[i];
    if (a === undefined) return dflt;
    const v = Number(a);
    if (!Number.isInteger(v) || v < 0) throw badType(columnType, `bad length "${a}"`);
    return v;
  };
  const withCharset = <T extends object>(t: T): T & { charset?: string } =>
    charset === undefined ? t : { ...t, charset };

  const intBytes = INTEGER_BYTES[name];
  if (intBytes !== undefined) {
    if (intBytes === 1 && !unsigned && opts.tinyInt1AsBoolean && num(0, 4) === 1 && hasArgs) {
      return { kind: 'boolean' };
    }
    return { kind: 'integer', bytes: intBytes, unsigned };
  }
  const textSize = TEXT_SIZES[name];
  if (textSize !== undefined) {
    if (binaryCharset) return { kind: 'binary', blob: textSize === 'text' ? 'blob' : textSize };
    return withCharset({ kind: 'string', text: textSize });
  }
  const blobSize = BLOB_SIZES[name];
  if (blobSize !== undefined) return { kind: 'binary', blob: blobSize };
  if (GEOMETRY_TYPES.has(name)) {
    return { kind: 'geometry', geometryType: name === 'geomcollection' ? 'geometrycollection' : name };
  }

  switch (name) {
    case 'bool':
    case 'boolean':
      return opts.tinyInt1AsBoolean ? { kind: 'boolean' } : { kind: 'integer', bytes: 1, unsigned: false };
    case 'serial':
      return { kind: 'integer', bytes: 8, unsigned: true };
    case 'decimal':
    case 'dec':
    case 'numeric':
    case 'fixed': {
      const precision = num(0, 10);
      const scale = num(1, 0);
      return unsigned
        ? { kind: 'decimal', precision, scale, unsigned }
        : { kind: 'decimal', precision, scale };
    }
    case 'float': {
      // FLOAT(p) with p > 24 is a DOUBLE; FLOAT(M,D) stays FLOAT.
      const isDouble = args.length === 1 && num(0, 0) > 24;
      const kind = isDouble ? 'double' : 'float';
      return unsigned ? { kind, unsigned } : { kind };
    }
    case 'float4':
      return unsigned ? { kind: 'float', unsigned } : { kind: 'float' };
    case 'double':
    case 'real':
    case 'float8':
      return unsigned ? { kind: 'double', unsigned } : { kind: 'double' };
    case 'char':
      if (binaryCharset) return { kind: 'binary', length: num(0, 1), fixed: true };
      return withCharset({ kind: 'string', length: num(0, 1), fixed: true });
    case 'varchar':
    case 'varchar2':
    case 'varcharacter':
      if (!hasArgs) throw badType(columnType, 'VARCHAR needs a length');
      if (binaryCharset) return { kind: 'binary', length: num(0, 0) };
      return withCharset({ kind: 'string', length: num(0, 0) });
    case 'binary':
      return { kind: 'binary', length: num(0, 1), fixed: true };
    case 'varbinary':
      if (!hasArgs) throw badType(columnType, 'VARBINARY needs a length');
      return { kind: 'binary', length: num(0, 0) };
    case 'date':
      return { kind: 'date' };
    case 'time':
      return { kind: 'time', precision: num(0, 0) };
    case 'datetime':
      return { kind: 'timestamp', precision: num(0, 0) };
    case 'timestamp':
      return { kind: 'timestamp_ltz', precision: num(0, 0) };
    case 'year':
      return { kind: 'year' };
    case 'bit':
      return { kind: 'bit', length: num(0, 1) };
    case 'enum':
    case 'set':
      // members are stored in the column's charset: what it cannot hold is '?' at the server
      return { kind: name, values: charset ? args.map((v) => storedText(charset, v)) : args };
    case 'json':
      return { kind: 'json' };
    case 'uuid':
      return { kind: 'string', length: 36, fixed: true, format: 'uuid' };
    case 'inet4':
      return { kind: 'string', length: 15, format: 'inet4' };
    case 'inet6':
      return { kind: 'string', length: 39, format: 'inet6' };
    default:
      throw badType(columnType, `unknown type "${name}"`);
  }
}
