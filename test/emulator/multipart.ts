/**
 * The legacy multipart upload `POST …/depositions/<id>/files` (form fields `file` and optional `name`,
 * contract 1.7): a small multipart/form-data parser and Werkzeug's `secure_filename`.
 */

export interface FormPart {
  name: string;
  filename?: string;
  data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return null;
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!).trim() : null;
}

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) break;
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next === -1) break;
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name !== undefined) {
      const part: FormPart = { name, data: body.subarray(headerEnd + 4, next) };
      if (filename !== undefined) part.filename = filename;
      parts.push(part);
    }
    pos = next + 2;
  }
  return parts;
}

/** Werkzeug's `secure_filename` on POSIX: ASCII only, spaces → `_`, path separators and odd characters removed. */
export function secureFilename(name: string): string {
  let s = name.normalize('NFKD').replace(/[^\x00-\x7f]/g, '');
  s = s.replace(/\//g, ' ');
  s = s.split(/\s+/).filter(Boolean).join('_');
  return s.replace(/[^A-Za-z0-9_.-]/g, '').replace(/^[._]+|[._]+$/g, '');
}
