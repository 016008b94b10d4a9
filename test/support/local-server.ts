import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach } from 'vitest';

/** What a local server was sent. */
export interface SeenRequest {
  method: string;
  url: string;
  authorization?: string;
  userAgent?: string;
}

export interface LocalServer {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  origin: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1, made once per test file with openssl. */
export interface TestCertificate {
  key: string;
  cert: string;
  /** The certificate's file: give it to a donodo child process as NODE_EXTRA_CA_CERTS. */
  certFile: string;
}

let certificate: Promise<TestCertificate> | undefined;

export function testCertificate(): Promise<TestCertificate> {
  certificate ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-tls-'));
    const [keyFile, certFile] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-keyout', keyFile, '-out', certFile, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile };
  })();
  return certificate;
}

/** A real HTTP(S) server on 127.0.0.1 that records every request it is sent, then lets `handler` answer. */
export async function serveLocal(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, options: { tls?: TestCertificate } = {}): Promise<LocalServer> {
  const seen: SeenRequest[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, userAgent: req.headers['user-agent'] });
    handler(req, res);
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Answer with `total` bytes of a JSON-looking body, written as fast as the client reads.
 * Resolves `closedEarly` with true when the client closed the connection before all was sent.
 */
export function streamLargeBody(res: http.ServerResponse, total: number, headers: Record<string, string> = {}): Promise<boolean> {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.write('{"padding": "');
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('"}');
  };
  pump();
  return new Promise((resolve) => res.once('close', () => resolve(!res.writableFinished)));
}

/** `serveLocal` for one test file: every server it starts is closed after the test that started it. */
export function localServers(): typeof serveLocal {
  const servers: LocalServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  return async (handler, options) => {
    const server = await serveLocal(handler, options);
    servers.push(server);
    return server;
  };
}
