import { createInterface } from 'node:readline/promises';

/** Ask a yes/no question on the terminal; anything but y/yes is no (the safe default). */
export async function askYesNo(question: string, output: NodeJS.WriteStream): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output });
  try {
    const answer = await rl.question(`${question}\n? [y/N] `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
