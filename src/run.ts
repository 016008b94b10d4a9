import 'reflect-metadata';
import pLimit from 'p-limit';
import type { LoadedConfig } from './config/config.ts';
import type { ImageSettings } from './config/image-settings.ts';
import type { LockFile } from './lock/lock-file.ts';
import { readConfig, shownPath } from './config/load-config.ts';
import { configuredPluginProblems } from './plugins/configured-plugins.ts';
import { createPluginHost, createPushParts, createServices, type Overrides, type PushParts } from './container.ts';
import type { PluginDeps } from './contracts/plugin.ts';
import { DonodoError } from './errors/donodo-error.ts';
import { errors } from './errors/catalogue.ts';
import { SecretMasker } from './output/secret-masker.ts';
import { userAgent, version } from './package-info.ts';
import { BatchBoard } from './pipeline/batch-board.ts';
import { runPipeline, type RunnerOutput } from './pipeline/runner.ts';
import { planPipeline, pullPipeline, pushPipeline, verifyPipeline } from './pipelines.ts';
import type { PluginHost } from './plugins/plugin-host.ts';
import { planResult, pullResult, pushResult, verifyResult, type PullResult, type PushResult, type VerifyResult } from './results.ts';
import type { Services } from './services.ts';
import type { PullContext, PullOptions } from './steps/pull/pull-context.ts';
import type { PushContext, PushOptions } from './steps/push/push-context.ts';
import { resolvePushImage, statedRef, type ResolvedImage } from './steps/push/resolve-image.ts';
import { sweepStaleSpools } from './steps/push/spool-file.ts';

export type { PullResult, PushResult, VerifyResult } from './results.ts';
export { sweepStaleSpools } from './steps/push/spool-file.ts';
export type { Overrides } from './container.ts';

export interface SessionOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** A configuration file; default: searched from cwd upwards. */
  configFile?: string;
  /** Secrets are masked through this; created when absent. */
  masker?: SecretMasker;
  debug?: (message: string) => void;
  warn?: (message: string) => void;
  /** Whether the user can be asked questions. */
  interactive?: boolean;
}

/** A loaded configuration with its plugins: what the CLI needs before it parses plugin flags. */
export class Session {
  readonly loaded: LoadedConfig;
  readonly host: PluginHost;
  readonly masker: SecretMasker;
  readonly #options: SessionOptions;

  private constructor(loaded: LoadedConfig, host: PluginHost, masker: SecretMasker, options: SessionOptions) {
    this.loaded = loaded;
    this.host = host;
    this.masker = masker;
    this.#options = options;
  }

  static async open(options: SessionOptions = {}): Promise<Session> {
    const cwd = options.cwd ?? process.cwd();
    const { loaded, problems } = await readConfig({ file: options.configFile, cwd });
    // Every problem of the file at once: its own settings', then its plugins' options (when its
    // "plugins" setting is sound enough to load them).
    if (problems.some((line) => line.startsWith('plugins'))) throw errors.configInvalid(shownPath(loaded, cwd), problems);
    const host = await createPluginHost(loaded);
    problems.push(...configuredPluginProblems(loaded, host));
    if (problems.length) throw errors.configInvalid(shownPath(loaded, cwd), problems);
    return new Session(loaded, host, options.masker ?? new SecretMasker(), { ...options, cwd });
  }

  /** The push's own objects (template loader, lock file, locks), for this session's configuration and environment. */
  pushParts(options: { lockFile?: string; useLock: boolean; dryRun: boolean }): Promise<PushParts> {
    return createPushParts(this.loaded, this.#options.env ?? process.env, options);
  }

  async services(overrides: Overrides = {}): Promise<Services> {
    const masker = this.masker;
    const debug = this.#options.debug;
    const warn = this.#options.warn;
    const deps: PluginDeps = {
      version,
      userAgent,
      baseDir: this.loaded.baseDir,
      env: this.#options.env ?? process.env,
      logger: {
        debug: (message) => debug?.(masker.mask(message)),
        warn: (message) => warn?.(masker.mask(message)),
      },
      addSecret: (secret) => masker.add(secret),
      interactive: this.#options.interactive ?? false,
    };
    return createServices(this.loaded, this.host, deps, overrides);
  }
}

export interface PushRun extends PushOptions {
  output: RunnerOutput;
  /** What the configuration says about an image name (templates, concept, storage options). */
  settings?: (name: string) => Promise<ImageSettings>;
  /** Where archived versions are recorded and looked up. */
  lock?: LockFile;
  /** How many image names to work on at once (the tags of one name always go in order). */
  concurrency?: number;
  /** Only find out what would happen: inspect, render and locate, write nothing. */
  dryRun?: boolean;
  /** Aborting it interrupts the push: no further step starts, spools are removed, drafts are kept for a rerun. */
  signal?: AbortSignal;
}

/**
 * Archive images. The tags of one name become versions of one concept, in the order given, so a
 * tag that fails (or is left unpublished) stops the later tags of its name; other names go on,
 * up to `concurrency` at a time. Settings of every name (templates) are checked before anything runs.
 */
export async function push(services: Services, references: readonly string[], run: PushRun): Promise<PushResult[]> {
  // Spools of runs that were killed (they could not remove their own) go before this run adds one.
  await sweepStaleSpools(run.tmpDir);
  if (run.name && references.length > 1) throw errors.nameForOneImage(references.length);
  if (run.tag && references.length > 1) throw errors.tagForOneImage(references.length);
  // The name each image is archived under groups its tags; where only the image can say (an archive
  // without a name in its reference), it is read now, once, and the push goes on from that look.
  const looks = new Map<number, Promise<ResolvedImage>>();
  const names = await Promise.all(references.map(async (reference, index) => {
    const stated = statedName(reference, run.name);
    if (stated !== null) return stated;
    const look = resolvePushImage(services, reference, undefined, run);
    looks.set(index, look);
    return look.then((resolved) => resolved.ref.name, () => reference);
  }));
  const settings = new Map<string, ImageSettings>();
  for (const name of new Set(names)) settings.set(name, (await run.settings?.(name)) ?? { templates: [] });

  const groups = new Map<string, number[]>();
  names.forEach((name, index) => groups.set(name, [...(groups.get(name) ?? []), index]));
  const concurrency = Math.max(1, run.concurrency ?? 1);
  // The next tag of a name is exported while the previous one uploads; not when a question may be
  // asked, which must have the terminal to itself.
  const pipelined = !run.dryRun && (run.autoPublish || !run.output.ask) && [...groups.values()].some((tags) => tags.length > 1);
  // A batch on a terminal is one live list, a line per image, unless a question may be asked
  // (it needs the terminal to itself): then concurrent work prints plain lines.
  const asks = !run.dryRun && !run.autoPublish && Boolean(run.output.ask);
  const board = run.output.mode === 'live' && references.length > 1 && !asks ? new BatchBoard(run.output.stream, references) : undefined;
  const mode = run.output.mode === 'live' && ((concurrency > 1 && groups.size > 1) || pipelined) ? 'lines' : run.output.mode;
  const results: PushResult[] = new Array(references.length);
  const settle = (index: number, result: PushResult) => {
    results[index] = result;
    board?.end(index, result);
  };
  const limit = pLimit(concurrency);
  await Promise.all(
    [...groups.values()].map((indices) =>
      limit(async () => {
        const running: Array<Promise<void>> = [];
        // Resolves when the previous tag is done: undefined when published, else its reference.
        let turn: Promise<string | undefined> | undefined;
        for (const index of indices) {
          const reference = references[index]!;
          if (!pipelined && turn) {
            // One after the other: a tag after one that was not published is not even started.
            const blocker = await turn;
            if (blocker) {
              settle(index, { image: reference, status: 'failed', published: false, error: describeError(errors.blockedByEarlierTag(reference, blocker)) });
              continue;
            }
          }
          const output = { ...run.output, mode, label: references.length > 1 ? reference : undefined, report: board?.report(index) };
          let arrived!: () => void;
          const ready = new Promise<void>((resolve) => (arrived = resolve));
          const hooks = pipelined ? { turn, arrived } : {};
          const done = pushOne(services, reference, settings.get(names[index]!)!, run, output, { ...hooks, resolved: looks.get(index) }).then((result) => {
            settle(index, result);
            arrived(); // also when it ended before reaching the queue
            return run.dryRun || result.status === 'published' || result.status === 'unchanged' ? undefined : reference;
          });
          turn = turn ? Promise.all([turn, done]).then(([earlier, now]) => earlier ?? now) : done;
          running.push(done.then(() => undefined));
          // Start the next tag once this one's archive is made (pipelined), or once it is done.
          await (pipelined ? ready : done);
        }
        await Promise.all(running);
      }),
    ),
  );
  await board?.done();
  return results;
}

async function pushOne(
  services: Services,
  reference: string,
  settings: ImageSettings,
  run: PushRun,
  output: RunnerOutput,
  hooks: Pick<PushContext, 'turn' | 'arrived' | 'resolved'> = {},
): Promise<PushResult> {
  const context: PushContext = { reference, options: run, settings, lock: run.dryRun ? undefined : run.lock, ...hooks };
  try {
    const scoped = settings.storageOptions ? { ...services, storage: await services.storageWith(settings.storageOptions) } : services;
    // Everything a push writes, a rerun finds again: an interruption need not wait for a slow server.
    await runPipeline(run.dryRun ? planPipeline : pushPipeline, context, scoped, output, { signal: run.signal, leaveOnAbort: true });
    return run.dryRun ? planResult(context) : pushResult(context);
  } catch (cause) {
    output.debug?.(traceOf(cause));
    const error = isInterruption(cause) ? errors.pushInterrupted(signalName(run.signal), cause.step, context.record) : cause;
    return { ...pushResult(context), status: 'failed', error: describeError(error) };
  } finally {
    await context.spool?.remove();
    // The lock of the name (taken at locate) is released on every way out of the push.
    context.lease?.release();
  }
}

/**
 * The image name a reference states (or the reference itself when it does not parse: it fails on
 * its own); null when only the image can tell.
 */
function statedName(reference: string, name?: string): string | null {
  try {
    return statedRef(reference, name)?.name ?? null;
  } catch {
    return reference;
  }
}

function isInterruption(cause: unknown): cause is DonodoError {
  return cause instanceof DonodoError && cause.code === 'INTERRUPTED';
}

/** The signal a run was interrupted by, when the abort reason names one ("SIGINT"). */
function signalName(signal: AbortSignal | undefined): string | undefined {
  return typeof signal?.reason === 'string' ? signal.reason : undefined;
}

/** Restore an image from its record. Aborting `signal` interrupts it (see Step.stopsOnAbort for what a load does then). */
export async function pull(services: Services, reference: string, options: PullOptions & { output: RunnerOutput; signal?: AbortSignal }): Promise<PullResult> {
  const context: PullContext = { reference, options, verified: {} };
  try {
    // Each step is waited for on interruption: a pull's undo must never run while its load is still going on.
    await runPipeline(pullPipeline, context, services, options.output, { signal: options.signal });
    return pullResult(context);
  } catch (cause) {
    options.output.debug?.(traceOf(cause));
    // The pull is one transaction on the engine: every tag back where it was, new images gone.
    const problems = (await context.transaction?.rollback()) ?? [];
    await context.writer?.discard().catch((failure: unknown) => problems.push(`the partial archive could not be removed: ${(failure as Error)?.message ?? failure}`));
    const error = problems.length ? errors.rollbackIncomplete(asDonodoError(cause), problems) : cause;
    return { ...pullResult(context), status: 'failed', error: describeError(error) };
  }
}

/**
 * Check a record's archive as a pull would, with no engine and nothing written: download it, and
 * check md5 and size against the record, every layer against its digest, and the image the
 * archive's bytes identify against the record's `docker-id`.
 */
export async function verify(services: Services, reference: string, options: { tag?: string; output: RunnerOutput; signal?: AbortSignal }): Promise<VerifyResult> {
  const context: PullContext = { reference, options: { tag: options.tag }, verified: {} };
  try {
    await runPipeline(verifyPipeline, context, services, options.output, { signal: options.signal });
    return verifyResult(context);
  } catch (cause) {
    options.output.debug?.(traceOf(cause));
    return { ...verifyResult(context), status: 'failed', error: describeError(cause) };
  }
}

function asDonodoError(cause: unknown): DonodoError {
  return cause instanceof DonodoError ? cause : errors.unexpected(cause);
}

export function describeError(cause: unknown): NonNullable<PushResult['error']> {
  const error = asDonodoError(cause);
  return { code: error.code, message: error.message, hint: error.hint, details: error.details.length ? error.details : undefined, step: error.step, plugin: error.plugin };
}

function traceOf(cause: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = cause; current; current = (current as { cause?: unknown }).cause) {
    lines.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    if (lines.length > 5) break;
  }
  return lines.join('\ncaused by: ');
}
