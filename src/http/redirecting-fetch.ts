/** What a redirect may do; see {@link redirectingFetch}. */
export interface RedirectPolicy {
  /** Throw (an error that says why) when a redirect from `from` to `next` must not be followed. */
  check(next: URL, from: URL): void;
  /** At most this many redirects in a row (default 10). */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry a credential: they never follow a redirect to another origin. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * A `fetch` (for ky's `fetch` option) that follows redirects itself, so that each hop is judged
 * before any connection is made to it: fetch's own `redirect: 'follow'` would go from https to
 * plain http, and decides alone which headers travel on. Here credentials go only to the origin
 * they were meant for, and `policy.check` refuses what the caller will not follow (an https to
 * http downgrade, another scheme).
 */
export function redirectingFetch(policy: RedirectPolicy, fetchOnce: typeof fetch = globalThis.fetch): (input: Request | string | URL, init?: RequestInit) => Promise<Response> {
  const max = policy.maxRedirects ?? 10;
  return async (input, init) => {
    let request = new Request(input, { ...init, redirect: 'manual' });
    // After the first hop, the request as rebuilt below is all there is: headers given in `init`
    // (an Authorization among them) must not go again over those judged for the new origin.
    const { headers: _headers, body: _body, ...rest } = init ?? {};
    for (let hop = 0; ; hop++) {
      const response = await fetchOnce(request, hop === 0 ? { ...init, redirect: 'manual' } : { ...rest, redirect: 'manual' });
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null) return response;
      const from = new URL(request.url);
      const next = new URL(location, from);
      // As fetch does: 303 becomes a GET, and so does a POST after 301/302; other requests keep their method.
      const toGet = request.method !== 'HEAD' && (response.status === 303 || (request.method === 'POST' && response.status <= 302));
      // A request whose body would go again cannot be replayed (the stream is spent): hand back the redirect.
      if (!toGet && request.body !== null) return response;
      await response.body?.cancel().catch(() => undefined);
      if (hop >= max) throw new Error(`more than ${max} redirects, the last to ${next.href}`);
      policy.check(next, from);
      const headers = new Headers(request.headers);
      if (next.origin !== from.origin) for (const name of CREDENTIALS) headers.delete(name);
      if (toGet) headers.delete('content-type');
      request = new Request(next, { method: toGet ? 'GET' : request.method, headers, signal: request.signal, redirect: 'manual' });
    }
  };
}
