/**
 * The memory trial behind the HTTP kit's upload path (src/http/http-kit.ts): a PUT of a streamed
 * body of SIZE MB (default 500) to a local server that reads it at a modest pace, by ky (retries
 * off, so ky does not clone the body), by plain fetch, and by node:http (putStream), each in a
 * child process of its own; prints each client's peak RSS.
 *
 *   node bench/upload-memory.ts [SIZE_MB]
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import ky from 'ky';
import { putStream } from '../src/http/stream-put.ts';

const [mode, url, sizeArg] = process.argv.slice(2);

if (mode === 'client') {
  const size = Number(sizeArg) * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 7);
  let sent = 0;
  const body = () => new Readable({ read() { if (sent >= size) this.push(null); else { sent += chunk.length; this.push(chunk); } } });
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const how = process.env.UPLOAD_CLIENT;
  const headers = { 'content-length': String(size) };
  if (how === 'ky') await ky.put(url!, { body: Readable.toWeb(body()) as ReadableStream, duplex: 'half', retry: 0, timeout: false, headers } as never).json();
  else if (how === 'fetch') await (await fetch(url!, { method: 'PUT', body: Readable.toWeb(body()) as ReadableStream, duplex: 'half', headers } as RequestInit)).json();
  else await putStream(url!, headers, body(), new AbortController().signal, 1e6, () => new Error('answer too large'));
  clearInterval(timer);
  console.log(`${how}: peak RSS ${(peak / 1e6).toFixed(0)} MB`);
} else {
  const sizeMb = mode ?? '500';
  const server = http.createServer((req, res) => {
    let got = 0;
    req.on('data', (c: Buffer) => {
      got += c.length;
      req.pause();
      setTimeout(() => req.resume(), 1);
    });
    req.on('end', () => res.end(JSON.stringify({ size: got })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.1:${(server.address() as { port: number }).port}/put`;
  for (const how of ['ky', 'fetch', 'node:http']) {
    // The server answers from this process, so each client runs in a child of its own (asynchronously: the server must keep serving).
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [fileURLToPath(import.meta.url), 'client', target, sizeMb], { env: { ...process.env, UPLOAD_CLIENT: how } }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
    });
    process.stdout.write(out);
  }
  server.close();
}
