import 'reflect-metadata';
import type { LoadedConfig } from './config/config.ts';
import { loadConfig } from './config/load-config.ts';
import { createPluginHost, createServices, type Overrides } from './container.ts';
import type { PluginDeps } from './contracts/plugin.ts';
import { DonodoError } from './errors/donodo-error.ts';
import { errors } from './errors/catalogue.ts';
import { SecretMasker } from './output/secret-masker.ts';
import { userAgent, version } from './package-info.ts';
import { runPipeline, type RunnerOutput } from './pipeline/runner.ts';
import { pullPipeline, pushPipeline } from './pipelines.ts';
import type { PluginHost } from './plugins/plugin-host.ts';
import { pullResult, pushResult, type PullResult, type PushResult } from './results.ts';
import type { Services } from './services.ts';
import type { PullContext, PullOptions } from './steps/pull/pull-context.ts';
import type { PushContext, PushOptions } from './steps/push/push-context.ts';

export type { PullResult, PushResult } from './results.ts';
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
    const loaded = await loadConfig({ file: options.configFile, cwd });
    const host = await createPluginHost(loaded);
    return new Session(loaded, host, options.masker ?? new SecretMasker(), { ...options, cwd });
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

/**
 * Archive images, one after the other. A failure of one image is reported in its result and does
 * not stop the others.
 */
export async function push(services: Services, references: readonly string[], options: PushOptions & { output: RunnerOutput }): Promise<PushResult[]> {
  const results: PushResult[] = [];
  for (const reference of references) {
    const context: PushContext = { reference, options };
    const output = references.length > 1 ? { ...options.output, label: reference } : options.output;
    try {
      await runPipeline(pushPipeline, context, services, output);
      results.push(pushResult(context));
    } catch (cause) {
      output.debug?.(traceOf(cause));
      results.push({ ...pushResult(context), status: 'failed', error: describeError(cause) });
    } finally {
      await context.spool?.remove();
    }
  }
  return results;
}

/** Restore an image from its record. */
export async function pull(services: Services, reference: string, options: PullOptions & { output: RunnerOutput }): Promise<PullResult> {
  const context: PullContext = { reference, options };
  try {
    await runPipeline(pullPipeline, context, services, options.output);
    return pullResult(context);
  } catch (cause) {
    options.output.debug?.(traceOf(cause));
    return { ...pullResult(context), status: 'failed', error: describeError(cause) };
  }
}

export function describeError(cause: unknown): NonNullable<PushResult['error']> {
  const error = cause instanceof DonodoError ? cause : errors.unexpected(cause);
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
