import { TidemarkError } from '../../event/tidemark-error.js';

/** A 1-based line and column in the pipeline file. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
  /**
   * Column of the first character of every line after the first (a block scalar's indentation
   * + 1): the lines of a `|` or `>` scalar start there in the file. Defaults to 1.
   */
  readonly continuationColumn?: number;
}

/** An expression's text and where it stands in the pipeline file, for error messages. */
export interface ExpressionSource {
  readonly text: string;
  /** Where the text's first character stands in the file; absent: positions within the text. */
  readonly position?: SourcePosition;
  /** What the text is, e.g. `transform[0].projection`, named in every error. */
  readonly what?: string;
  /** The file it stands in: errors start `file:line:column:`. */
  readonly file?: string;
}

/** `file:line:column: what ` (or `line:column: what `): how every error about the text starts. */
export function errorPrefix(source: ExpressionSource, line: number, column: number): string {
  return `${source.file ? `${source.file}:` : ''}${line}:${column}: ${source.what ? `${source.what} ` : ''}`;
}

/** The file line:column of the character at `offset` of the expression text. */
export function positionAt(source: ExpressionSource, offset: number): { line: number; column: number } {
  const start = source.position ?? { line: 1, column: 1 };
  let line = start.line;
  let lineStart = 0;
  const end = Math.min(offset, source.text.length);
  for (let i = 0; i < end; i++) {
    if (source.text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const base = line === start.line ? start.column : (start.continuationColumn ?? 1);
  return { line, column: base + (offset - lineStart) };
}

/** A CONFIG_INVALID error naming where in the file the expression goes wrong. */
export function expressionError(source: ExpressionSource, offset: number, message: string): TidemarkError {
  const { line, column } = positionAt(source, offset);
  return new TidemarkError('CONFIG_INVALID', `${errorPrefix(source, line, column)}${message}`, {
    details: { line, column, expression: source.text },
  });
}
