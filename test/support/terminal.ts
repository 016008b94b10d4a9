import { spawn } from 'node:child_process';
import { CLI } from './cli.ts';

export interface TerminalRun {
  code: number;
  /** Everything the terminal received, escape sequences and all. */
  raw: string;
  /** What the terminal shows at the end: `raw` played on a screen of `columns` (see playScreen). */
  screen: string;
}

/**
 * Run the CLI on a real terminal (a pseudo-terminal made by util-linux's `script`, `columns` wide),
 * typing `answer` once the publish question shows.
 */
export function onTerminal(args: string[], options: { env?: Record<string, string | undefined>; answer?: string; columns?: number; cwd?: string } = {}): Promise<TerminalRun> {
  return new Promise((resolve, reject) => {
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const command = `stty cols ${options.columns ?? 100} rows 40; ${[process.execPath, CLI, ...args].map(quote).join(' ')}`;
    const env = Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let raw = '';
    child.stdout.on('data', (d: Buffer) => {
      raw += d;
      if (raw.includes('[y/N]') && !child.stdin.writableEnded) child.stdin.end(options.answer ?? '\n');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, raw, screen: playScreen(raw) }));
  });
}

/**
 * The text a terminal shows after receiving `raw`: enough of a VT100 for what listr2 and readline
 * draw (cursor up/down/column, erase line, carriage return, newline); colours and modes are dropped.
 * Lines that scrolled off the top stay (the screen has no height limit).
 */
export function playScreen(raw: string): string {
  const lines: string[][] = [[]];
  let row = 0;
  let column = 0;
  const line = () => (lines[row] ??= []);
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (char === '\x1b') {
      const sequence = /^\x1b\[([?\d;]*)([A-Za-z])/.exec(raw.slice(i));
      if (!sequence) continue;
      i += sequence[0].length - 1;
      const [, parameter, command] = sequence;
      const n = Number(parameter) || 1;
      if (parameter!.startsWith('?')) continue;
      if (command === 'A') row = Math.max(0, row - n);
      else if (command === 'B') row += n;
      else if (command === 'G') column = n - 1;
      else if (command === 'K') line().length = parameter === '2' ? 0 : Math.min(line().length, column);
      continue;
    }
    if (char === '\r') column = 0;
    else if (char === '\n') row += 1;
    else {
      const current = line();
      while (current.length < column) current.push(' ');
      current[column++] = char;
    }
  }
  return Array.from({ length: lines.length }, (_, index) => (lines[index] ?? []).join('').trimEnd()).join('\n').replace(/\n+$/, '');
}
