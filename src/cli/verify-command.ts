import { access } from 'node:fs/promises';
import path from 'node:path';
import { lockFilePath } from '../container.ts';
import { errors } from '../errors/catalogue.ts';
import { asFileSystemError } from '../errors/fs-error.ts';
import { LockFile, type LockEntry } from '../lock/lock-file.ts';
import { formatTable } from '../output/table.ts';
import { cleanText } from '../output/terminal-text.ts';
import type { VerifyResult } from '../results.ts';
import { describeError, verify, type Session } from '../run.ts';
import type { Services } from '../services.ts';
import type { CommandIo } from './command-io.ts';
import type { Invocation } from './program.ts';
import { printError, printJson } from './report.ts';

/** A record to check: named on the command line, or an entry of the lock file. */
interface Target {
  reference: string;
  image?: string;
  entry?: LockEntry;
}

/**
 * `donodo verify REF... | --lock`: the fixity check. Each archive is downloaded and checked as a pull
 * checks it (md5 and size, layer digests, the image its bytes identify against the record), with no
 * container engine; one after the other, since each reads a whole archive. Exit 1 on any failure.
 */
export async function verifyCommand(session: Session, services: Services, invocation: Invocation, io: CommandIo): Promise<number> {
  const { options, global } = invocation;
  const targets: Target[] = invocation.args.map((reference) => ({ reference }));
  if (options.lock) targets.push(...(await lockTargets(session, services, options.lockFile as string | undefined, io)));
  if (targets.length === 0) throw errors.verifyNothing();
  const results: VerifyResult[] = [];
  for (const target of targets) {
    if (io.signal?.aborted) break;
    const label = target.image ?? target.reference;
    const output = { ...io.output, label: targets.length > 1 ? label : undefined };
    // --tag picks a version of a concept named on the command line; a lock entry names its version itself.
    const tag = target.entry ? undefined : (options.tag as string | undefined);
    let result = await verify(services, target.reference, { tag, output, signal: io.signal });
    if (target.image) result.image = target.image;
    if (result.status === 'verified' && target.entry) result = againstLock(result, target.image!, target.entry);
    results.push(result);
    if (result.error) printError(io.err, targets.length > 1 ? label : undefined, result.error);
    if (global.json) printJson(io.out, result);
  }
  if (!global.json) printVerifySummary(io.out, results);
  return results.length === targets.length && results.every((r) => r.status === 'verified') ? 0 : 1;
}

/** The published entries the lock file records for this storage. */
async function lockTargets(session: Session, services: Services, flag: string | undefined, io: CommandIo): Promise<Target[]> {
  const file = lockFilePath(session.loaded, flag);
  try {
    await access(file);
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ENOENT') throw errors.lockFileMissing(path.relative(process.cwd(), file) || file);
    throw asFileSystemError(cause, file, 'read the lock file');
  }
  const lock = await LockFile.open(file);
  const location = services.storage.location;
  const published = lock.entries().filter(([, , entry]) => entry.published);
  const here = published.filter(([at]) => at === location);
  const others = [...new Set(published.map(([at]) => at).filter((at) => at !== location))];
  if (here.length === 0) throw errors.lockFileNothingHere(path.relative(process.cwd(), file) || file, location, others);
  if (others.length) io.err(cleanText(`donodo: not checked: the lock file's entries at ${others.join(', ')} (another storage; choose it to check them)\n`));
  return here.map(([, image, entry]) => ({ reference: entry.doi ?? entry.recordId, image, entry }));
}

/** A record that passed, held against what the lock file recorded of it: the same archive. */
function againstLock(result: VerifyResult, image: string, entry: LockEntry): VerifyResult {
  const recorded = entry.file?.md5;
  if (!recorded || !result.file || recorded === result.file.md5) return result;
  return { ...result, status: 'failed', error: describeError(errors.lockEntryDiffers(image, 'archive md5', recorded, result.file.md5)) };
}

/** Which check an error is the failure of. */
const FAILED_CHECK: Record<string, keyof VerifyResult['verified']> = {
  CHECKSUM_MISMATCH: 'md5',
  DOWNLOAD_TOO_LARGE: 'md5',
  LOCK_MISMATCH: 'md5',
  LAYER_DIGEST_MISMATCH: 'layers',
  IMAGE_ID_MISMATCH: 'imageId',
};

/** One row per record: each check ok, skipped or MISMATCH, and the outcome. */
export function printVerifySummary(write: (text: string) => void, results: VerifyResult[]): void {
  const cell = (result: VerifyResult, check: keyof VerifyResult['verified']) => {
    const outcome = result.verified[check];
    if (outcome === true) return 'ok';
    if (outcome) return 'skipped';
    return result.error && FAILED_CHECK[result.error.code] === check ? 'MISMATCH' : '-';
  };
  const rows = [
    ['RECORD', 'VERSION', 'MD5', 'LAYERS', 'IMAGE ID', 'RESULT'],
    ...results.map((r) => [r.image ?? r.doi ?? r.reference, r.version ?? '-', cell(r, 'md5'), cell(r, 'layers'), cell(r, 'imageId'), r.status === 'verified' ? 'ok' : `FAILED (${r.error?.code ?? 'error'})`]),
  ];
  write('\n' + cleanText(formatTable(rows), 100_000));
  const failed = results.filter((r) => r.status !== 'verified').length;
  write(failed ? `${failed} of ${results.length} failed.\n` : `${results.length} verified.\n`);
}
