/**
 * One request/response pair and the helpers every route uses to read bodies and answer like Zenodo.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, MESSAGES } from './api-error.ts';
import type { Faults } from './faults.ts';
import type { RequestLogEntry, ResolvedOptions } from './options.ts';
import { pyJson } from './py-json.ts';
import type { Urls } from './serializers.ts';
import type { Store } from './store.ts';
import { writeChunks } from './transfer.ts';

export interface EmulatorContext {
  urls: Urls;
  options: ResolvedOptions;
  store: Store;
  faults: Faults;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Upper-case method as sent. */
  method: string;
  url: URL;
  /** Decoded path (Werkzeug routes on the decoded PATH_INFO, so `%2F` in a key becomes `/`). */
  path: string;
  userId: number | null;
  ctx: EmulatorContext;
  log: RequestLogEntry;
}

/** JSON answer with Python's separators (see py-json.ts). HEAD gets the headers only (Node drops the body). */
export async function sendJson(ex: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  await sendBuffer(ex, status, Buffer.from(pyJson(body)), { 'Content-Type': 'application/json', ...headers });
}

export async function sendError(ex: Exchange, error: ApiError): Promise<void> {
  await sendJson(ex, error.status, error.body(), error.headers);
}

export function sendEmpty(ex: Exchange, status: number, headers: Record<string, string> = {}): void {
  ex.res.writeHead(status, headers);
  ex.res.end();
}

export function sendRedirect(ex: Exchange, status: number, location: string, headers: Record<string, string> = {}): void {
  // Werkzeug's redirect body.
  const html =
    '<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n' +
    `<p>You should be redirected automatically to the target URL: <a href="${location}">${location}</a>. If not, click the link.\n`;
  ex.res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)), Location: location, ...headers });
  ex.res.end(html);
}

/** Sends a complete body, honouring an armed `dropConnection` on the response body. */
export async function sendBuffer(ex: Exchange, status: number, body: Buffer, headers: Record<string, string>): Promise<void> {
  const { res } = ex;
  res.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
  if (ex.method === 'HEAD') {
    res.end();
    return;
  }
  const drop = ex.ctx.faults.takeDrop(ex.method, ex.path);
  if (!drop) {
    res.end(body);
    return;
  }
  await writeChunks(res, [body], { dropAfter: drop.afterBytes, bytesPerSecond: null, corruptFirstByte: false });
}

/** Reads and discards the rest of a request body (after answering early). */
export function drain(req: IncomingMessage): void {
  req.on('error', () => {});
  req.resume();
}

/** Transfer-Encoding: chunked without a Content-Length. */
export function isChunked(req: IncomingMessage): boolean {
  return req.headers['content-length'] === undefined && /chunked/i.test(req.headers['transfer-encoding'] ?? '');
}

const MAX_JSON_BODY = 100 * 1024 * 1024;

/**
 * Body of a JSON request (POST/PUT on depositions), as flask-resources parses it:
 * - Content-Type other than application/json → 415 (the only request parser configured, FR);
 * - `Transfer-Encoding: chunked` → 500 (zenodo/zenodo-rdm#1260, contract 1.5);
 * - malformed JSON → 400 "Unable to decode JSON data in request body.";
 * - an empty body parses to None, which the legacy schema rejects (UNCONFIRMED, contract 1.5: send `{}`).
 */
export async function readJson(ex: Exchange): Promise<unknown> {
  const { req } = ex;
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    drain(req);
    throw new ApiError(415, "Invalid 'Content-Type' header. Expected one of: application/json");
  }
  if (isChunked(req)) {
    drain(req);
    throw internalError();
  }
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_JSON_BODY) {
    drain(req);
    throw new ApiError(413, MESSAGES.tooLarge);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, MESSAGES.badJson);
  }
}

/** A JSON 500 with an `error_id`, as flask-resources renders unexpected errors (text UNCONFIRMED). */
export function internalError(): ApiError {
  const error = new ApiError(500, MESSAGES.internal);
  error.extra.error_id = randomUUID().replace(/-/g, '');
  return error;
}

/**
 * Content negotiation of flask-resources: a missing Accept, `*\/*` or any offered type is fine; anything
 * else → 406 "Invalid 'Accept' header. Expected one of: …" (contract 1.8). Returns the chosen type.
 */
export function negotiate(ex: Exchange, offered: string[]): string {
  const header = ex.req.headers.accept;
  if (!header || header.trim() === '') return offered[0]!;
  const ranges = header
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type!.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((r) => r.type !== '' && r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const range of ranges) {
    if (range.type === '*/*') return offered[0]!;
    if (range.type.endsWith('/*')) {
      const found = offered.find((o) => o.startsWith(range.type.slice(0, -1)));
      if (found) return found;
    }
    const found = offered.find((o) => o === range.type);
    if (found) return found;
  }
  throw new ApiError(406, `Invalid 'Accept' header. Expected one of: ${offered.join(', ')}`);
}
