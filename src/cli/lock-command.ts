import path from 'node:path';
import { errors } from '../errors/catalogue.ts';
import { LockFile, readLockData, type LockData } from '../lock/lock-file.ts';
import { mergeLocks, type LockMerge, type LockSource } from '../lock/lock-merge.ts';

type Write = (text: string) => void;

/**
 * `donodo lock merge A B… [-o OUT]`: the lock files of the jobs of one batch (`push --shard`) into
 * one, OUT's own entries included; a contradiction refuses the merge and writes nothing.
 */
export async function lockMergeCommand(inputs: string[], output: string, io: { out: Write; err: Write; json: boolean }): Promise<number> {
  const target = await LockFile.open(output);
  const sources: LockSource[] = [];
  for (const input of inputs) {
    const file = path.resolve(input);
    if (file === target.path) continue;
    const data = await readLockData(file);
    if (!data) throw errors.lockMergeInputMissing(input);
    sources.push({ name: input, data });
  }
  const shown = path.relative(process.cwd(), target.path) || target.path;
  let report: LockMerge | undefined;
  // Applied to what is on disk when the write takes its turn: the last merge is the one written.
  await target.apply((data: LockData) => {
    report = mergeLocks([{ name: shown, data }, ...sources]);
    data.storages = report.data.storages;
  });
  const { added, updated, data } = report!;
  const entries = Object.values(data.storages).reduce((n, images) => n + Object.keys(images).length, 0);
  if (io.json) io.out(JSON.stringify({ output: target.path, inputs, entries, added: added, updated: updated }) + '\n');
  else io.out(`Merged ${inputs.length} lock file${inputs.length === 1 ? '' : 's'} into ${shown}: ${entries} entr${entries === 1 ? 'y' : 'ies'}, ${added.length} new, ${updated.length} updated.\n`);
  return 0;
}
