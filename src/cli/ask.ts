import { createInterface } from 'node:readline/promises';

/**
 * Ask a yes/no question on the terminal; anything but y/yes is no (the safe default). Ctrl-C typed
 * at the question (readline reads it as a key, not as a signal) and the end of input are a no too;
 * so is an abort of `signal`, which the caller tells apart from a no.
 */
export async function askYesNo(question: string, output: NodeJS.WriteStream, signal?: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output });
  const declined = new Promise<string>((resolve) => {
    rl.once('SIGINT', () => {
      output.write('^C\n');
      resolve('');
    });
    rl.once('close', () => resolve(''));
  });
  try {
    const answer = await Promise.race([rl.question(`${question}\n? [y/N] `, { signal }), declined]);
    return /^(y|yes)$/i.test(answer.trim());
  } catch (cause) {
    if (signal?.aborted) return false;
    throw cause;
  } finally {
    rl.close();
  }
}
