/**
 * The HTTP server: authentication, rate-limit headers, fault injection, request log, routing, errors.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, MESSAGES, urlNotFound } from './api-error.ts';
import { drain, internalError, sendBuffer, sendError } from './exchange.ts';
import type { EmulatorContext, Exchange } from './exchange.ts';
import { Faults } from './faults.ts';
import type { FailNextOptions } from './faults.ts';
import { resolveOptions } from './options.ts';
import type { EmulatorOptions, RequestLogEntry } from './options.ts';
import { compactJsonLine, pyJson } from './py-json.ts';
import { limitMessage, RateLimiter, rateHeaders } from './rate-limit.ts';
import type { LimitClass } from './rate-limit.ts';
import { Router } from './router.ts';
import { addDepositRoutes } from './routes-deposit.ts';
import { addFileRoutes } from './routes-files.ts';
import { addNativeRoutes } from './routes-native.ts';
import { addRecordRoutes } from './routes-records.ts';
import { acceptReview, CURATOR_ID } from './reviews.ts';
import { addUiRoutes, notFoundPage } from './routes-ui.ts';
import { Store } from './store.ts';

export interface Emulator {
  /** `http://127.0.0.1:PORT/api` */
  apiUrl: string;
  /** `http://127.0.0.1:PORT` (UI links: /records/<id>, /deposit/<id>, /doi/<doi>) */
  baseUrl: string;
  /** A valid token of user 1. */
  token: string;
  /** A valid token of user 2 (someone else's depositions answer 403). */
  otherToken: string;
  /** A valid token of user 3, the curator of the emulator's communities (`options.communities`). */
  curatorToken: string;
  /** The curator accepts a submitted community-submission request: the draft is published (an admin call). */
  acceptReview(requestId: string): void;
  /** Every request, in arrival order. */
  requests: RequestLogEntry[];
  faults: Faults;
  /** The state: depositions/records (`versions`), `concepts`, `buckets`, files (with `path`, `checksum`), `readFile(id)`. */
  store: Store;
  close(): Promise<void>;
}

/** Token from `Authorization: Bearer …` or `?access_token=…` (contract 5). */
function tokenOf(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)/i.exec(auth) : null;
  if (m) return m[1]!;
  return url.searchParams.get('access_token');
}

const NGINX_PAGES: Record<number, string> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

/** Answer of an armed `failNext`. */
async function sendFailure(ex: Exchange, failure: FailNextOptions, limitClass: LimitClass): Promise<void> {
  drain(ex.req);
  const headers: Record<string, string> = {};
  let body: Buffer;
  let type = 'application/json';
  if (failure.body !== undefined) {
    if (typeof failure.body === 'string') {
      body = Buffer.from(failure.body);
      type = failure.body.trimStart().startsWith('<') ? 'text/html' : 'text/plain';
    } else body = Buffer.from(pyJson(failure.body));
  } else if (failure.status === 429) {
    body = Buffer.from(compactJsonLine({ message: limitMessage(limitClass), status: 429 }));
  } else if (NGINX_PAGES[failure.status]) {
    // Gateway errors come from nginx in front of Zenodo, as HTML (assumption: nginx's default pages).
    const title = NGINX_PAGES[failure.status]!;
    body = Buffer.from(`<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`);
    type = 'text/html';
  } else if (failure.status >= 500) {
    body = Buffer.from(pyJson(internalError().body()));
  } else {
    body = Buffer.from(pyJson({ status: failure.status, message: 'Injected failure.' }));
  }
  if (failure.status === 429) {
    headers['Retry-After'] = '1';
    headers['X-RateLimit-Remaining'] = '0';
  }
  await sendBuffer(ex, failure.status, body, { 'Content-Type': type, ...headers, ...(failure.headers ?? {}) });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const store = new Store(resolved);
  const faults = new Faults();
  const limiter = new RateLimiter();
  const requests: RequestLogEntry[] = [];
  const router = new Router();
  // A plain InvenioRDM has no legacy deposit and bucket API (contract 8).
  if (resolved.mode === 'zenodo') {
    addDepositRoutes(router);
    addFileRoutes(router);
  }
  addRecordRoutes(router);
  addNativeRoutes(router);
  addUiRoutes(router);
  const ctx: EmulatorContext = { urls: { api: '', ui: '', sandbox: resolved.sandbox }, options: resolved, store, faults };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', ctx.urls.ui);
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      path = url.pathname;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const log: RequestLogEntry = {
      method,
      url: req.url ?? '/',
      status: 0,
      headers: {
        'user-agent': req.headers['user-agent'],
        'content-type': req.headers['content-type'],
        'content-length': req.headers['content-length'],
        'transfer-encoding': req.headers['transfer-encoding'],
        authorization: req.headers.authorization,
      },
    };
    requests.push(log);
    res.on('finish', () => {
      log.status = res.statusCode;
    });
    res.on('close', () => {
      if (res.headersSent && log.status === 0) log.status = res.statusCode;
    });

    const userId = store.userByToken(tokenOf(req, url));
    const ex: Exchange = { req, res, method, url, path, userId, ctx, log };

    // Rate limiting: per User-Agent + IP; search has its own bucket (contract 6).
    const limitClass: LimitClass = (method === 'GET' || method === 'HEAD') && path === '/api/records' ? 'search' : userId !== null ? 'authenticated' : 'guest';
    const state = limiter.hit(`${req.headers['user-agent'] ?? ''}|${req.socket.remoteAddress ?? ''}`, limitClass);
    const headers = rateHeaders(state);
    const override = faults.nextRemaining();
    if (override !== null) headers['X-RateLimit-Remaining'] = String(override);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader('Server', 'nginx');

    try {
      if (resolved.requireUserAgent && !req.headers['user-agent']) {
        // Production's edge filter answers with HTML, not JSON (contract 5).
        drain(req);
        await sendBuffer(ex, 403, Buffer.from('<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>\n'), {
          'Content-Type': 'text/html',
        });
        return;
      }
      await faults.waitIfHeld(method, path);
      // A client that went away while its request was held never had it handled (it died before sending it, as far as the test is concerned).
      if (req.socket.destroyed) return;
      const failure = faults.takeFailure(method, path);
      if (failure) {
        await sendFailure(ex, failure, limitClass);
        return;
      }
      if (state.exceeded && resolved.enforceRateLimits) {
        drain(req);
        await sendBuffer(ex, 429, Buffer.from(compactJsonLine({ message: limitMessage(limitClass), status: 429 })), {
          'Content-Type': 'application/json',
        });
        return;
      }
      const match = router.match(method, path);
      if (match === null) {
        drain(req);
        if (path === '/api' || path.startsWith('/api/')) throw urlNotFound();
        await notFoundPage(ex);
        return;
      }
      if ('notAllowed' in match) {
        drain(req);
        throw new ApiError(405, MESSAGES.methodNotAllowed, undefined, { Allow: [...new Set([...match.notAllowed, 'OPTIONS'])].join(', ') });
      }
      await match.handler(ex, match.params);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : internalError();
      if (!(error instanceof ApiError)) console.error('[zenodo-emulator]', error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!req.readableEnded) drain(req);
      await sendError(ex, apiError);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[zenodo-emulator]', error);
      res.destroy();
    });
  });
  // Large uploads at disk speed: no request timeout.
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  ctx.urls.ui = baseUrl;
  ctx.urls.api = `${baseUrl}/api`;

  return {
    apiUrl: ctx.urls.api,
    baseUrl,
    token: store.users[0]!.token,
    otherToken: store.users[1]!.token,
    curatorToken: store.users[2]!.token,
    acceptReview(requestId: string) {
      acceptReview(store, CURATOR_ID, requestId);
    },
    requests,
    faults,
    store,
    async close() {
      faults.reset(); // lets held requests go, so that nothing waits forever
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.close();
    },
  };
}

