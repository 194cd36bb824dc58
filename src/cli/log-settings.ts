import { TidemarkError } from '../event/tidemark-error.js';
import { LOG_LEVELS, parseLogLevel, type LogFormat, type LogLevel } from '../runtime/logger.js';

export interface LogFlags {
  readonly logFormat?: string;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

export interface LogSettings {
  readonly level: LogLevel;
  readonly format: LogFormat;
}

/**
 * The level and format of a command's log, from its flags, then the environment
 * (TIDEMARK_LOG_LEVEL, TIDEMARK_LOG_FORMAT; any case), then the defaults: info, and text on a
 * terminal, json otherwise. A value that is none of the known ones is an error, not ignored.
 */
export function resolveLogSettings(flags: LogFlags, env: NodeJS.ProcessEnv, terminal: boolean): LogSettings {
  if (flags.quiet && flags.verbose) throw usage('--quiet and --verbose cannot be used together');
  const envLevel = env.TIDEMARK_LOG_LEVEL?.trim() ? env.TIDEMARK_LOG_LEVEL : undefined;
  const level = flags.verbose ? 'debug' : flags.quiet ? 'warn' : parseLogLevel(envLevel ?? 'info');
  if (level === undefined)
    throw usage(
      `TIDEMARK_LOG_LEVEL=${envLevel} is not a log level: one of ${LOG_LEVELS.join(', ')} (any case)`,
    );
  const formatText = flags.logFormat ?? (env.TIDEMARK_LOG_FORMAT?.trim() || undefined);
  const format = formatText === undefined ? (terminal ? 'text' : 'json') : parseFormat(formatText, flags);
  return { level, format };
}

function parseFormat(text: string, flags: LogFlags): LogFormat {
  const f = text.trim().toLowerCase();
  if (f === 'text' || f === 'json') return f;
  const where = flags.logFormat !== undefined ? '--log-format' : 'TIDEMARK_LOG_FORMAT=';
  throw usage(`${where}${where.endsWith('=') ? '' : ' '}${text} is not a log format: text or json`);
}

function usage(message: string): TidemarkError {
  return new TidemarkError('CONFIG_INVALID', message);
}
