/**
 * Serving a stored file's bytes, as invenio-files-rest's `send_stream` does (contract 3.3; headers of
 * REC:H11): Content-Type from the key (sanitised: unknown or risky types become
 * `application/octet-stream`, text gets `; charset=utf-8`), Content-Length, `Content-Disposition: inline`
 * (but `attachment; filename=…` for octet-stream or when asked, as send_stream forces it),
 * `oc-checksum: MD5:<hex>`, `Accept-Ranges: bytes`, the security headers, no ETag, no Content-MD5.
 */
import type { Exchange } from './exchange.ts';
import { downloadMimetype } from './mimetypes.ts';
import type { StoredFile } from './store.ts';
import { sendFileBody } from './transfer.ts';

function dispositionFilename(key: string): string {
  if (/^[\x21-\x7e]+$/.test(key) && !/[\s"\\;,]/.test(key)) return `filename=${key}`;
  if (/^[\x20-\x7e]+$/.test(key)) return `filename="${key.replace(/["\\]/g, '\\$&')}"`;
  return `filename*=UTF-8''${encodeURIComponent(key)}`;
}

export interface ServeOptions {
  asAttachment?: boolean;
}

export async function serveFile(ex: Exchange, file: StoredFile, options: ServeOptions = {}): Promise<void> {
  const { res, req, ctx } = ex;
  const mimetype = downloadMimetype(file.key);
  const attachment = options.asAttachment === true || mimetype === 'application/octet-stream';
  const headers: Record<string, string> = {
    'Content-Type': mimetype.startsWith('text/') ? `${mimetype}; charset=utf-8` : mimetype,
    'Content-Disposition': attachment ? `attachment; ${dispositionFilename(file.key)}` : 'inline',
    'oc-checksum': `MD5:${file.checksum}`,
    'Accept-Ranges': 'bytes',
    'Content-Security-Policy': "default-src 'none';",
    'X-Content-Type-Options': 'nosniff',
    'X-Download-Options': 'noopen',
    'X-Permitted-Cross-Domain-Policies': 'none',
    'X-Frame-Options': 'deny',
    'X-XSS-Protection': '1; mode=block',
  };
  let start = 0;
  let end = file.size - 1;
  let status = 200;
  const range = req.headers.range;
  if (ctx.options.rangeRequests && range) {
    // One `bytes=N-`, `bytes=N-M` or `bytes=-S` range; several ranges are answered with the whole file.
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] !== '' || m[2] !== '')) {
      const first = m[1] === '' ? Math.max(0, file.size - Number(m[2])) : Number(m[1]);
      const last = m[1] === '' || m[2] === '' ? file.size - 1 : Math.min(Number(m[2]), file.size - 1);
      if (first >= file.size || first > last) {
        res.writeHead(416, { ...headers, 'Content-Range': `bytes */${file.size}`, 'Content-Length': '0' });
        res.end();
        return;
      }
      start = first;
      end = last;
      status = 206;
      headers['Content-Range'] = `bytes ${first}-${last}/${file.size}`;
    }
  }
  headers['Content-Length'] = String(end - start + 1);
  res.writeHead(status, headers);
  if (ex.method === 'HEAD') {
    res.end();
    return;
  }
  const drop = ctx.faults.takeDrop(ex.method, ex.path);
  const corrupt = ctx.faults.takeCorruption(ex.method, ex.path);
  await sendFileBody(res, file.path, start, end, {
    dropAfter: drop ? drop.afterBytes : null,
    bytesPerSecond: ctx.faults.bytesPerSecond,
    corruptFirstByte: corrupt !== undefined,
  });
}
