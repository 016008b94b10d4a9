/**
 * A front for a test registry that misbehaves on purpose, as real networks and registries do:
 * it forwards every request to the registry, except that it can cut a blob download once after
 * some bytes (the client must resume), answer some paths with a status of its choosing, serve a
 * manifest of its own, or send blob downloads elsewhere with a redirect (as registries backed by
 * object storage do), to a second origin that records whether credentials followed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyFaults {
  /** Cut the connection of the first GET of a blob matching this, after `after` bytes of its body. */
  cutBlob?: { match: RegExp; after: number };
  /** Answer requests whose path matches with this status (a registry-like error body). */
  status?: { match: RegExp; status: number };
  /** Answer GETs of manifests whose path matches with this body and content type. */
  manifest?: { match: RegExp; body: Buffer; contentType: string };
  /**
   * Answer blob GETs with a 307 to the blob origin, which fetches them from the registry with an
   * authorization of its own (as a presigned object-storage URL carries its own signature).
   */
  redirectBlobs?: { authorization?: string };
}

export interface RegistryProxy {
  /** `127.0.0.1:PORT` of the front. */
  host: string;
  faults: ProxyFaults;
  /** Connections cut so far. */
  cuts: number;
  /** Requests the blob origin got, with whether they carried an Authorization header. */
  redirected: Array<{ url: string; authorization: boolean; range?: string }>;
  /** Range headers of blob GETs the front forwarded. */
  ranges: string[];
  close(): Promise<void>;
}

function forward(target: string, req: http.IncomingMessage, res: http.ServerResponse, path: string, onBody?: (res: http.ServerResponse, upstream: http.IncomingMessage) => void, authorization?: string): void {
  const headers = { ...req.headers, host: target };
  if (authorization !== undefined) headers.authorization = authorization;
  if (authorization === '') delete headers.authorization;
  const upstream = http.request({ host: target.split(':')[0], port: Number(target.split(':')[1]), method: req.method, path, headers }, (answer) => {
    res.writeHead(answer.statusCode!, answer.headers);
    if (onBody) onBody(res, answer);
    else answer.pipe(res);
  });
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

export async function startRegistryProxy(target: string, faults: ProxyFaults = {}): Promise<RegistryProxy> {
  const listen = async (server: http.Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  };
  const proxy: RegistryProxy = { host: '', faults, cuts: 0, redirected: [], ranges: [], close: async () => undefined };
  // The blob origin: serves /v2/… blobs from the registry, with no credentials of the client's.
  const origin = http.createServer((req, res) => {
    proxy.redirected.push({ url: req.url!, authorization: Boolean(req.headers.authorization), ...(req.headers.range ? { range: req.headers.range } : {}) });
    forward(target, req, res, req.url!, undefined, faults.redirectBlobs?.authorization ?? '');
  });
  const originPort = await listen(origin);
  let cut = false;
  const front = http.createServer((req, res) => {
    const url = req.url!;
    if (faults.status?.match.test(url)) {
      res.writeHead(faults.status.status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }));
      return;
    }
    if (req.method === 'GET' && /\/manifests\//.test(url) && faults.manifest?.match.test(url)) {
      res.writeHead(200, { 'content-type': faults.manifest.contentType, 'content-length': faults.manifest.body.length }).end(faults.manifest.body);
      return;
    }
    const blob = req.method === 'GET' && /\/blobs\/sha256:/.test(url);
    if (blob && req.headers.range) proxy.ranges.push(req.headers.range);
    if (blob && faults.redirectBlobs) {
      res.writeHead(307, { location: `http://127.0.0.1:${originPort}${url}` }).end();
      return;
    }
    if (blob && faults.cutBlob?.match.test(url) && !cut) {
      cut = true;
      const { after } = faults.cutBlob;
      forward(target, req, res, url, (out, answer) => {
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent + chunk.length >= after) {
            out.write(chunk.subarray(0, after - sent));
            proxy.cuts++;
            answer.destroy();
            setTimeout(() => out.socket?.destroy(), 50);
            return;
          }
          sent += chunk.length;
          out.write(chunk);
        });
        answer.on('end', () => out.end());
      });
      return;
    }
    forward(target, req, res, url);
  });
  const frontPort = await listen(front);
  proxy.host = `127.0.0.1:${frontPort}`;
  proxy.close = async () => {
    for (const server of [front, origin]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };
  return proxy;
}
