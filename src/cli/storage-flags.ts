import type { Invocation } from './program.ts';

/**
 * The storage flags of this invocation as a user would type them again (`--storage dir --dir ./a`,
 * `--sandbox`): what a printed command needs to reach the same storage.
 */
export function storageFlags(invocation: Invocation): string {
  const words: string[] = [];
  if (invocation.global.storage) words.push('--storage', invocation.global.storage);
  for (const flag of invocation.overrides.options ?? []) {
    if (flag.kind !== 'storage') continue;
    words.push(flag.flag);
    if (flag.value !== true) words.push(String(flag.value));
  }
  return words.map(shellWord).join(' ');
}

/** A word as a POSIX shell reads it back unchanged. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
