import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';

/**
 * What a step tells the runner: workflow commands on stdout (`::add-mask::`, `::error::`,
 * `::stop-commands::`), outputs in the `$GITHUB_OUTPUT` file, the job summary in `$GITHUB_STEP_SUMMARY`.
 */
type Write = (text: string) => void;

/** A value inside a workflow command: `%`, CR and LF escaped, as the runner unescapes them. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function addMask(write: Write, secret: string): void {
  for (const line of secret.split(/\r?\n/)) if (line.trim()) write(`::add-mask::${line}\n`);
}

export function error(write: Write, message: string, title?: string): void {
  write(`::error${title ? ` title=${escapeProperty(title)}` : ''}::${escapeData(message)}\n`);
}

/**
 * Run `body` with workflow commands switched off: what it prints (the CLI's progress, record
 * metadata) is then shown as it is and cannot act as a command, whatever the text holds.
 */
export async function withoutCommands<T>(write: Write, body: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  write(`::stop-commands::${token}\n`);
  try {
    return await body();
  } finally {
    write(`::${token}::\n`);
  }
}

/** Outputs into the `$GITHUB_OUTPUT` file, each `name<<DELIMITER` … `DELIMITER`, so a value may span lines. */
export async function setOutputs(file: string | undefined, outputs: Record<string, string>): Promise<void> {
  if (!file) return;
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    let delimiter = `ghadelimiter_${randomUUID()}`;
    while (value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  await appendFile(file, text);
}

/** Markdown appended to the job summary (`$GITHUB_STEP_SUMMARY`). */
export async function appendSummary(file: string | undefined, markdown: string): Promise<void> {
  if (file) await appendFile(file, markdown);
}
