import { DonodoError } from '../../src/plugin-api.ts';

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

/**
 * Resolve the endpoint from options and environment. With the sandbox, ZENODO_SANDBOX_TOKEN is
 * preferred (the sandbox needs its own account and token), else ZENODO_TOKEN.
 */
export function resolveEndpoint(options: EndpointOptions, env: Record<string, string | undefined>): Endpoint {
  const sandbox = options.sandbox ?? false;
  const raw = options.url ?? (sandbox ? SANDBOX_API : PRODUCTION_API);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl(raw);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidUrl(raw);
  if (url.username || url.password || url.search) throw invalidUrl(raw, 'it must not carry credentials or a query');
  const api = url.href.replace(/\/+$/, '');
  const sandboxHost = url.hostname === 'sandbox.zenodo.org';
  const tokenSource = sandbox && env.ZENODO_SANDBOX_TOKEN ? 'ZENODO_SANDBOX_TOKEN' : 'ZENODO_TOKEN';
  const token = (sandbox ? env.ZENODO_SANDBOX_TOKEN || env.ZENODO_TOKEN : env.ZENODO_TOKEN)?.trim() || undefined;
  const hosts = [url.host];
  if (url.host === 'zenodo.org') hosts.push('www.zenodo.org');
  return { api, origin: url.origin, hosts, doiPrefix: sandbox || sandboxHost ? '10.5072' : '10.5281', sandbox: sandbox || sandboxHost, token, tokenSource };
}

function invalidUrl(raw: string, why = 'it is not an http(s) URL') {
  return new DonodoError('ZENODO_URL_INVALID', `Zenodo API URL "${raw}" is not usable: ${why}.`, {
    hint: 'Give the API base, e.g. https://zenodo.org/api or http://127.0.0.1:5000/api.',
  });
}
