/**
 * Structured logging: one JSON object per line on stderr (or a readable line on a TTY). Callers pass
 * fields, never secrets; `redact` removes configured secret values from any text as a last guard.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Readable lines instead of JSON (default: when stderr is a TTY). */
  pretty?: boolean;
  /** Secret strings that must never be printed. */
  secrets?: readonly string[];
  write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const min =
    LEVELS[options.level ?? (process.env.TIDEMARK_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? 20;
  const pretty = options.pretty ?? process.stderr.isTTY;
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 3);
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const redact = (text: string): string => redactSecrets(text, secrets);
  const log = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[level] < min) return;
    const all = { ...base, ...fields };
    let line: string;
    if (pretty) {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeJson(v)}`)
        .join(' ');
      line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ' ' + extra : ''}`;
    } else {
      line = safeJson({ ts: new Date().toISOString(), level, msg, ...all });
    }
    write(redact(line));
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
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
