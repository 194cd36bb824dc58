import { spawn } from 'node:child_process';

/**
 * What a terminal shows after `raw` was written to it: the lines of the screen (scrollback
 * included), with the control sequences the CLI uses applied (CR, LF, cursor up, erase to the
 * end of the screen or line); other escape sequences are dropped.
 */
export function renderScreen(raw: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (ch: string): void => {
    const line = lines[row]!.padEnd(col, ' ');
    lines[row] = line.slice(0, col) + ch + line.slice(col + 1);
    col++;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\x1b' && raw[i + 1] === '[') {
      // eslint-disable-next-line no-control-regex -- terminal escape sequences are what is tested
      const m = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(raw.slice(i));
      if (!m) continue;
      i += m[0].length - 1;
      const n = Number(m[1] || '0');
      if (m[2] === 'A') row = Math.max(0, row - Math.max(1, n));
      else if (m[2] === 'J' && n === 0) {
        lines[row] = lines[row]!.slice(0, col);
        lines.length = row + 1;
      } else if (m[2] === 'K' && n === 0) lines[row] = lines[row]!.slice(0, col);
      continue;
    }
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      if (row === lines.length) lines.push('');
    } else put(ch);
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Runs a command in a pseudo-terminal (util-linux `script`), so that it sees a terminal on
 * stdout and stderr; resolves with everything it wrote there, escape sequences included.
 */
export function runInTerminal(
  command: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<{ code: number | null; output: string }> {
  const quoted = command.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qfec', `stty cols 120 rows 40; ${quoted}`, '/dev/null'], {
    cwd,
    env: { ...process.env, TERM: 'xterm', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}
