import type { OptionSource } from '../../contracts/plugin.ts';
import { DonodoError } from '../../errors/donodo-error.ts';

/** Which Zenodo a run talks to, and with which token. */
export interface Endpoint {
  /** API base without trailing slash: https://zenodo.org/api */
  api: string;
  /** Web host origin: https://zenodo.org */
  origin: string;
  /** Hosts whose links name this Zenodo's records (the web host, and zenodo.org's legacy www). */
  hosts: string[];
  /** DOI prefix of this Zenodo: 10.5281 (production) or 10.5072 (sandbox). */
  doiPrefix: string;
  sandbox: boolean;
  /** The token, when one is set; only ever sent in the Authorization header to `origin`. */
  token?: string;
  /** Name of the variable the token came from (for messages). */
  tokenSource: string;
}

export interface EndpointOptions {
  url?: string;
  sandbox?: boolean;
}

export const PRODUCTION_API = 'https://zenodo.org/api';
export const SANDBOX_API = 'https://sandbox.zenodo.org/api';

/** The two Zenodos a configuration file may name without the user's consent. */
const ZENODO_ORIGINS = ['https://zenodo.org', 'https://sandbox.zenodo.org'];

/**
 * Resolve the endpoint from options and environment. With the sandbox, ZENODO_SANDBOX_TOKEN is
 * preferred (the sandbox needs its own account and token), else ZENODO_TOKEN.
 *
 * The token goes where the API URL says, so the URL is chosen with care (see {@link chooseApiUrl}):
 * one the user gave (`--zenodo-url`, `DONODO_ZENODO_URL`) is taken as it is; one from a
 * configuration file names zenodo.org or its sandbox, or needs the user's consent; plain http is
 * refused off this machine, whoever asked for it.
 */
export function resolveEndpoint(options: EndpointOptions, env: Record<string, string | undefined>, sources?: Readonly<Record<string, OptionSource>>): Endpoint {
  const sandbox = options.sandbox ?? false;
  const chosen = chooseApiUrl(options, env, sources);
  const raw = chosen.url ?? (sandbox ? SANDBOX_API : PRODUCTION_API);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl(raw);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidUrl(raw);
  if (url.username || url.password || url.search) throw invalidUrl(raw, 'it must not carry credentials or a query');
  if (!isSafeTransport(url)) throw insecureUrl(raw, chosen.from);
  if (chosen.from.from === 'config' && !chosen.from.trusted && !ZENODO_ORIGINS.includes(url.origin)) throw untrustedUrl(raw, chosen.from);
  const api = url.href.replace(/\/+$/, '');
  const sandboxHost = url.hostname === 'sandbox.zenodo.org';
  const tokenSource = sandbox && env.ZENODO_SANDBOX_TOKEN ? 'ZENODO_SANDBOX_TOKEN' : 'ZENODO_TOKEN';
  const token = (sandbox ? env.ZENODO_SANDBOX_TOKEN || env.ZENODO_TOKEN : env.ZENODO_TOKEN)?.trim() || undefined;
  const hosts = [url.host];
  if (url.host === 'zenodo.org') hosts.push('www.zenodo.org');
  return { api, origin: url.origin, hosts, doiPrefix: sandbox || sandboxHost ? '10.5072' : '10.5281', sandbox: sandbox || sandboxHost, token, tokenSource };
}

/** Where the API URL came from: an option's source, the environment, or nowhere (the default). */
type UrlSource = OptionSource | { from: 'env' } | { from: 'default' };

/**
 * The API URL and its source. What the user says wins over what a file says: `--zenodo-url` (or
 * a program's own option), then `--sandbox`, then `DONODO_ZENODO_URL`, then the configuration's
 * `url`, then the default (zenodo.org, or the sandbox with the configuration's `sandbox`).
 */
function chooseApiUrl(options: EndpointOptions, env: Record<string, string | undefined>, sources?: Readonly<Record<string, OptionSource>>): { url?: string; from: UrlSource } {
  // No sources: a program created the plugin itself, and its options are its own.
  const source: OptionSource = sources?.url ?? { from: 'caller' };
  if (options.url !== undefined && source.from !== 'config') return { url: options.url, from: source };
  if (options.sandbox && sources?.sandbox?.from === 'flag') return { from: { from: 'default' } };
  const fromEnv = env.DONODO_ZENODO_URL?.trim();
  if (fromEnv) return { url: fromEnv, from: { from: 'env' } };
  if (options.url !== undefined) return { url: options.url, from: source };
  return { from: { from: 'default' } };
}

/** https anywhere; plain http only to this machine (127.0.0.0/8, ::1, localhost), e.g. a local emulator. */
export function isSafeTransport(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** How a user would name where a URL came from. */
function describeSource(source: UrlSource): string {
  switch (source.from) {
    case 'flag':
      return source.flag;
    case 'env':
      return 'DONODO_ZENODO_URL';
    case 'config':
      return `${source.file ? `configuration file "${source.file}"` : 'the configuration'} (${source.setting}.url)`;
    case 'caller':
      return 'the storage options';
    case 'default':
      return 'the default';
  }
}

function invalidUrl(raw: string, why = 'it is not an http(s) URL') {
  return new DonodoError('ZENODO_URL_INVALID', `Zenodo API URL "${raw}" is not usable: ${why}.`, {
    hint: 'Give the API base, e.g. https://zenodo.org/api or http://127.0.0.1:5000/api.',
  });
}

function insecureUrl(raw: string, source: UrlSource) {
  return new DonodoError('ZENODO_URL_INSECURE', `Zenodo API URL "${raw}" (from ${describeSource(source)}) uses plain http to another machine; donodo refuses it, so that the token never crosses a network unencrypted.`, {
    hint: 'Use its https:// address. Plain http is allowed only to this machine (127.0.0.1, ::1, localhost), e.g. a local emulator.',
  });
}

function untrustedUrl(raw: string, source: Extract<OptionSource, { from: 'config' }>) {
  return new DonodoError(
    'ZENODO_URL_UNTRUSTED',
    `${source.file ? `Configuration file "${source.file}"` : 'The configuration'} sets the Zenodo API URL "${raw}" (${source.setting}.url), which is neither zenodo.org nor sandbox.zenodo.org; donodo does not send your token there on a configuration file's word.`,
    {
      hint: 'If you trust this configuration (a cloned repository\'s configuration chooses where your token goes), consent with --trust-config-url or DONODO_TRUST_CONFIG_URL=1; or give the URL yourself with --zenodo-url or DONODO_ZENODO_URL.',
    },
  );
}
