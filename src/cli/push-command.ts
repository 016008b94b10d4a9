import path from 'node:path';
import type { ArchiveFormat, Platform } from '../contracts/image-identity.ts';
import { imageSettings } from '../config/image-settings.ts';
import { errors } from '../errors/catalogue.ts';
import type { RunnerOutput } from '../pipeline/runner.ts';
import type { PushResult } from '../results.ts';
import { push, type Session } from '../run.ts';
import type { Services } from '../services.ts';
import { configuredImages } from './expand-images.ts';
import type { Invocation } from './program.ts';
import { selectShard, type Shard } from './shard.ts';
import { printError, printJson, printPush, printSummary } from './report.ts';

type Write = (text: string) => void;

/** `donodo push`: returns the exit code (0 done, 1 an image failed, 2 something left unpublished). */
export async function pushCommand(session: Session, services: Services, invocation: Invocation, io: { out: Write; err: Write; output: RunnerOutput; interactive: boolean; signal?: AbortSignal }): Promise<number> {
  const { options, global } = invocation;
  const { config, file } = session.loaded;
  const given = [...(options.all ? configuredImages(config, file) : []), ...invocation.args];
  if (given.length === 0) {
    throw errors.noImages();
  }
  const shard = options.shard as Shard | undefined;
  const references = shard ? selectShard(given, shard) : given;
  if (shard) {
    const share = references.length ? `${references.length} of the ${given.length} images: ${references.join(', ')}` : `none of the ${given.length} images; nothing to do`;
    io.err(`donodo: shard ${shard.index}/${shard.count} takes ${share}\n`);
    if (references.length === 0) return 0;
  }
  const { loader, lock, locks } = await session.pushParts({ lockFile: options.lockFile as string | undefined, useLock: options.lock !== false, dryRun: Boolean(options.dryRun) });
  const cliTemplates = await loader.load(options.templates as string[] | undefined, process.cwd(), '--templates');
  const autoPublish = Boolean(options.autoPublish ?? options.yes ?? config.autoPublish);
  // Said before anything is uploaded, not found out at the end of a long upload.
  if (!autoPublish && !io.interactive && !options.dryRun) {
    io.err(`donodo: nobody can be asked whether to publish (${global.json ? 'with --json' : 'no terminal'}) and -y was not given: drafts are uploaded and left unpublished (exit code 2); add -y (--auto-publish) to publish.\n`);
  }

  const results = await push(services, references, {
    name: options.name as string | undefined,
    tag: options.tag as string | undefined,
    platforms: options.platform as Platform[] | undefined,
    allPlatforms: Boolean(options.allPlatforms),
    autoPublish,
    forceUpload: Boolean(options.forceUpload),
    replaceDraft: Boolean(options.replaceDraft),
    archiveFormat: (options.archiveFormat as ArchiveFormat | undefined) ?? config.archive?.format,
    // A dry run writes nothing, so it takes no lock and is never refused for another run's.
    locks,
    conceptRecId: options.conceptrecid as string | undefined,
    dryRun: Boolean(options.dryRun),
    concurrency: (options.concurrency as number | undefined) ?? config.concurrency ?? 2,
    lock,
    settings: (name) => imageSettings(name, session.loaded, loader, cliTemplates),
    output: io.output,
    signal: io.signal,
  });

  for (const result of results) {
    if (result.error) printError(io.err, results.length > 1 ? result.image : undefined, result.error);
    if (global.json) printJson(io.out, result);
    else printPush(io.out, result);
  }
  if (!global.json && results.length > 1) printSummary(io.out, results);
  if (lock?.written && !global.quiet) io.err(`donodo: recorded in ${path.relative(process.cwd(), lock.path) || lock.path}\n`);
  return exitCode(results);
}

function exitCode(results: PushResult[]): number {
  if (results.some((r) => r.status === 'failed')) return 1;
  if (results.some((r) => r.status === 'unpublished')) return 2;
  return results.some((r) => r.status === 'submitted') ? 3 : 0;
}
