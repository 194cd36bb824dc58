/**
 * Structured logging: every record is a message plus fields, written as one line in one of two
 * formats, `json` (one object per line: ts, level, msg, fields) or `text` (time, level, message,
 * `key=value` fields) for people. Callers pass fields, never secrets; configured secret values
 * are removed from every line as a last guard.
 *
 * Why not pino: its redaction works on field paths, and what must never be printed here are
 * secret *values* wherever they appear (an error message quoting a DSN); its readable format is a
 * separate package and a worker thread; and on a terminal the CLI writes log lines through the
 * renderer that keeps progress bars below them (`write`). What tidemark needs of a logger is the
 * ~80 lines below, with no module to load at start.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Default: TIDEMARK_LOG_LEVEL (any case), else info. */
  level?: LogLevel;
  /** Default: text when stderr is a terminal, else json (`pretty` says the same, older name). */
  format?: LogFormat;
  /** Readable lines instead of JSON; `format` wins when both are given. */
  pretty?: boolean;
  /** Secret strings that must never be printed. */
  secrets?: readonly string[];
  /** Where each line goes (without its newline); default: stderr. */
  write?: (line: string) => void;
}

/** A level name in any case (`WARN`, `Warn`; `warning` too), or undefined when it is none. */
export function parseLogLevel(text: string | undefined): LogLevel | undefined {
  const t = text?.trim().toLowerCase();
  if (t === 'warning') return 'warn';
  return (LOG_LEVELS as readonly string[]).includes(t ?? '') ? (t as LogLevel) : undefined;
}

export function createLogger(options: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const min = RANK[options.level ?? parseLogLevel(process.env.TIDEMARK_LOG_LEVEL) ?? 'info'];
  const format = options.format ?? ((options.pretty ?? process.stderr.isTTY) ? 'text' : 'json');
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 3);
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < min) return;
    const line = formatRecord(format, level, msg, { ...base, ...fields });
    write(redactSecrets(line, secrets));
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** One log record as a line of the format. */
export function formatRecord(
  format: LogFormat,
  level: LogLevel,
  msg: string,
  fields: Record<string, unknown>,
  now = new Date(),
): string {
  if (format === 'json') return safeJson({ ts: now.toISOString(), level, msg, ...fields });
  const extra = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeJson(v)}`)
    .join(' ');
  return `${now.toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ' ' + extra : ''}`;
}

/** `text` with every secret value of at least 3 characters replaced by `******`. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join('******');
  return out;
}

function safeJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}
