import { redirectingFetch, type Logger } from '../../src/plugin-api.ts';
import { findCredentials, type Credentials } from './credentials.ts';
import { registryErrors } from './registry-errors.ts';
import { isLoopback, registryBase, type RegistryReference } from './registry-reference.ts';

export interface SessionOptions {
  /** Hosts spoken to over plain http (besides this machine). */
  insecure: readonly string[];
  env: Record<string, string | undefined>;
  userAgent: string;
  addSecret(value: string): void;
  logger: Logger;
}

/** A challenge of `WWW-Authenticate`: its scheme and parameters. */
interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * The conversation with one repository of a registry: requests to its API, authenticated as the
 * registry asks (anonymous, Basic, or a bearer token from the realm its challenge names, for the
 * repository's pull scope), redirects (to blob storage) followed hop by hop with the credentials
 * kept to the registry's own origin, and answers other than success turned into clear errors.
 * Every credential and token is registered as a secret, so nothing donodo prints shows it.
 */
export class RegistrySession {
  readonly base: URL;
  readonly #ref: RegistryReference;
  readonly #options: SessionOptions;
  readonly #fetch: ReturnType<typeof redirectingFetch>;
  #credentials?: Promise<Credentials | undefined>;
  #authorization?: string;
  /** Whether this session writes (its tokens are asked for push too). */
  #push = false;

  #mountFrom?: string;

  /** Ask tokens for pushing (a pull destination), and for pulling from the repository blobs are mounted from. */
  forPush(mountFrom?: string): this {
    this.#push = true;
    this.#mountFrom = mountFrom;
    return this;
  }

  constructor(ref: RegistryReference, options: SessionOptions) {
    this.#ref = ref;
    this.#options = options;
    this.base = registryBase(ref.host, options.insecure);
    this.#fetch = redirectingFetch({
      check: (next) => {
        if (next.protocol === 'https:') return;
        if (next.protocol === 'http:' && this.#plainAllowed(next.host)) return;
        throw registryErrors.insecureRedirect(ref.input, next.origin);
      },
    });
  }

  /**
   * A request for a path under the repository (`manifests/1.0`, `blobs/sha256:…`), or for a URL the
   * registry gave (an upload's `Location`, absolute or from its root); `what` names it in errors.
   * `expect`: statuses that are answers rather than errors (a HEAD's 404: the blob is not there).
   * A request with a body is sent once (its stream cannot go again): authorize before, with one without.
   */
  async request(method: string, pathname: string, what: string, headers: Record<string, string> = {}, options: { body?: RequestInit['body']; expect?: number[] } = {}): Promise<Response> {
    const url = /^(https?:)?\//.test(pathname) ? new URL(pathname, this.base) : new URL(`${this.#ref.repository}/${pathname}`, this.base);
    let response = await this.#send(method, url, headers, options.body);
    if (response.status === 401 && options.body === undefined) {
      const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '');
      await response.body?.cancel().catch(() => undefined);
      const had = await this.#authorize(challenge);
      if (had === undefined) throw registryErrors.unauthorized(this.#ref.input, false);
      response = await this.#send(method, url, headers);
      if (response.status === 401) {
        await response.body?.cancel().catch(() => undefined);
        throw registryErrors.unauthorized(this.#ref.input, had);
      }
    }
    if (response.ok || response.status === 206 || options.expect?.includes(response.status)) return response;
    if (response.status === 401) throw registryErrors.unauthorized(this.#ref.input, Boolean(await this.#credentials));
    const body = method !== 'HEAD' ? await response.text().catch(() => '') : '';
    if (response.status === 403) throw registryErrors.denied(this.#ref.input);
    if (response.status === 404) throw registryErrors.notFound(this.#ref.input, what);
    throw registryErrors.status(this.#ref.input, what, response.status, errorText(body));
  }

  async #send(method: string, url: URL, headers: Record<string, string>, body?: RequestInit['body']): Promise<Response> {
    const all: Record<string, string> = { 'user-agent': this.#options.userAgent, ...headers };
    if (this.#authorization) all.authorization = this.#authorization;
    try {
      return await this.#fetch(url, { method, headers: all, ...(body !== undefined ? { body, duplex: 'half' } : {}) } as RequestInit);
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'DonodoError') throw cause;
      throw registryErrors.unreachable(this.#ref.input, url.origin, reason(cause));
    }
  }

  /**
   * Answer a 401's challenge: a bearer token from its realm (with the user's credentials where
   * there are some), or Basic with them. Returns whether credentials were used, undefined when
   * the challenge cannot be met (Basic, and no credentials).
   */
  async #authorize(challenge: Challenge | undefined): Promise<boolean | undefined> {
    const credentials = await (this.#credentials ??= findCredentials(this.#ref.host, this.#options.env, this.#ref.input).then((found) => {
      if (found) {
        this.#options.addSecret(found.password);
        this.#options.addSecret(Buffer.from(`${found.username}:${found.password}`).toString('base64'));
      }
      return found;
    }));
    const basic = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      this.#authorization = `Bearer ${await this.#token(challenge.params, basic)}`;
      return Boolean(credentials);
    }
    if (!basic) return undefined;
    this.#authorization = basic;
    return true;
  }

  /** A token from the realm for the repository's pull scope (the scope the challenge names, where it names one). */
  async #token(params: Record<string, string>, basic: string | undefined): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(params.realm!);
    } catch {
      throw registryErrors.status(this.#ref.input, 'authentication challenge', 401, `the token realm "${params.realm}" is not a URL`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.#plainAllowed(realm.host))) throw registryErrors.insecureRedirect(this.#ref.input, realm.origin);
    if (params.service) realm.searchParams.set('service', params.service);
    // A pull asks for what the challenge names (or pull); a push for pull and push on its repository from
    // the start (a HEAD's challenge names pull only, and a manifest PUT cannot be sent twice), and pull
    // on the repository it mounts blobs from.
    if (this.#push) {
      realm.searchParams.append('scope', `repository:${this.#ref.repository}:pull,push`);
      if (this.#mountFrom) realm.searchParams.append('scope', `repository:${this.#mountFrom}:pull`);
    } else realm.searchParams.set('scope', params.scope ?? `repository:${this.#ref.repository}:pull`);
    let response: Response;
    try {
      response = await this.#fetch(realm, { headers: { 'user-agent': this.#options.userAgent, ...(basic ? { authorization: basic } : {}) } });
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'DonodoError') throw cause;
      throw registryErrors.unreachable(this.#ref.input, realm.origin, reason(cause));
    }
    const text = await response.text().catch(() => '');
    if (response.status === 401 || response.status === 403) throw registryErrors.unauthorized(this.#ref.input, Boolean(basic));
    if (!response.ok) throw registryErrors.status(this.#ref.input, 'token', response.status, errorText(text));
    let token: unknown;
    try {
      const value = JSON.parse(text) as { token?: unknown; access_token?: unknown };
      token = value.token ?? value.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || !token) throw registryErrors.status(this.#ref.input, 'token', response.status, 'the token service answered no token');
    this.#options.addSecret(token);
    return token;
  }

  #plainAllowed(host: string): boolean {
    return isLoopback(host) || this.#options.insecure.includes(host) || this.#options.insecure.includes(host.replace(/:\d+$/, ''));
  }
}

/** `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const param of match[2]!.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[param[1]!.toLowerCase()] = (param[2] ?? param[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: match[1]!.toLowerCase(), params };
}

/** The registry's own words of an error answer (`{"errors":[{"code","message"}]}`), else the text. */
function errorText(body: string): string {
  try {
    const value = JSON.parse(body) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(value.errors)) return value.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    // not JSON
  }
  return body.trim();
}

function reason(cause: unknown): string {
  const error = cause as { message?: string; cause?: { code?: string; message?: string } };
  return error.cause?.code ?? error.cause?.message ?? error.message ?? String(cause);
}
