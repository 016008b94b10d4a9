import { createReadStream } from 'node:fs';
import path from 'node:path';
import ky from 'ky';
import type { TemplatesSetting, TemplateSource } from '../config/config.ts';
import { DonodoError } from '../errors/donodo-error.ts';
import { errors } from '../errors/catalogue.ts';
import { redirectingFetch } from '../http/redirecting-fetch.ts';
import { userAgent } from '../package-info.ts';
import { readCapped, readResponseCapped } from '../streams/read-capped.ts';
import { validateTemplate } from '../templates/index.ts';

/**
 * The largest template read, from a file or a URL. A template is a few kB of deposition fields
 * (the original's default is 600 bytes); even a description of a whole paper's length is some
 * 100 kB. 1 MB is far above any real one, and keeps a wrong file (an image archive, /dev/zero)
 * from taking all the memory.
 */
export const MAX_TEMPLATE_BYTES = 1_000_000;

/** A template ready to render, with where it came from (for messages). */
export interface LoadedTemplate {
  source: string;
  template: Record<string, unknown>;
}

/**
 * Reads templates from inline objects, JSON files and https URLs, each once, and checks every
 * expression in them before anything is pushed. Templates are data: nothing in them runs.
 */
export class TemplateLoader {
  readonly #cache = new Map<string, Promise<LoadedTemplate>>();

  /** Load a setting (one source or a list), in order. `where` names the setting for messages. */
  async load(setting: TemplatesSetting | undefined, baseDir: string, where: string): Promise<LoadedTemplate[]> {
    if (setting === undefined) return [];
    const sources = Array.isArray(setting) ? setting : [setting];
    return Promise.all(sources.map((source, index) => this.#one(source, baseDir, sources.length > 1 ? `${where}[${index}]` : where)));
  }

  #one(source: TemplateSource, baseDir: string, where: string): Promise<LoadedTemplate> {
    if (typeof source !== 'string') return Promise.resolve(checked({ source: where, template: source }));
    const key = /^[a-z]+:\/\//i.test(source) ? source : path.resolve(baseDir, source);
    let loading = this.#cache.get(key);
    if (!loading) {
      loading = (/^[a-z]+:\/\//i.test(source) ? fromUrl(source) : fromFile(key, source)).then(checked);
      this.#cache.set(key, loading);
    }
    return loading;
  }
}

function checked(loaded: LoadedTemplate): LoadedTemplate {
  validateTemplate(loaded.template, { source: loaded.source });
  return loaded;
}

async function fromFile(file: string, shown: string): Promise<LoadedTemplate> {
  let text: string;
  try {
    text = (await readCapped(createReadStream(file), MAX_TEMPLATE_BYTES, () => errors.templateTooLarge(shown, MAX_TEMPLATE_BYTES))).toString('utf8');
  } catch (cause) {
    if (cause instanceof DonodoError) throw cause;
    throw errors.templateNotFound(shown, cause);
  }
  return { source: shown, template: parseTemplate(text, shown) };
}

async function fromUrl(url: string): Promise<LoadedTemplate> {
  if (/^file:/i.test(url)) throw errors.templateFileUrl(url);
  if (!url.toLowerCase().startsWith('https://')) {
    throw errors.templateUrlInsecure(url);
  }
  // Every hop stays https: a redirect to http would undo the rule above.
  const fetch = redirectingFetch({
    check: (next) => {
      if (next.protocol !== 'https:') throw errors.templateRedirectInsecure(url, next.href);
    },
  });
  let text: string;
  try {
    const response = await ky.get(url, { headers: { 'user-agent': userAgent }, timeout: 30_000, retry: 2, fetch });
    text = await readResponseCapped(response, MAX_TEMPLATE_BYTES, () => errors.templateTooLarge(url, MAX_TEMPLATE_BYTES));
  } catch (cause) {
    if (cause instanceof DonodoError) throw cause;
    throw errors.templateFetchFailed(url, cause);
  }
  return { source: url, template: parseTemplate(text, url) };
}

function parseTemplate(text: string, source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw errors.templateNotJson(source, cause);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.templateNotObject(source);
  }
  return value as Record<string, unknown>;
}
