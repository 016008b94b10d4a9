/**
 * MIME type guessing as Python's `mimetypes.guess_type(key)[0]`, which invenio-files-rest uses for the
 * bucket PUT `mimetype` (REC:B2 `text/csv` for `data.csv`; `application/zip` for a `.zip`, contract 2).
 *
 * Python strips a compression suffix first and reports it as the *encoding*, so `image.tar.gz` gives
 * `application/x-tar` and a bare `x.gz` gives no type (→ `application/octet-stream`).
 */
const ENCODINGS = new Set(['.gz', '.z', '.bz2', '.xz', '.br']);
const SUFFIXES: Record<string, string> = { '.tgz': '.tar.gz', '.taz': '.tar.gz', '.tz': '.tar.gz', '.tbz2': '.tar.bz2', '.txz': '.tar.xz' };

const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.log': 'text/plain',
  '.py': 'text/x-python',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.md': 'text/markdown',
  '.xml': 'text/xml',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.gtar': 'application/x-gtar',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/x-wav',
  '.mp4': 'video/mp4',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export function guessMimetype(key: string): string {
  let name = key;
  let ext = extension(name);
  const expanded = SUFFIXES[ext];
  if (expanded) {
    name = name.slice(0, -ext.length) + expanded;
    ext = extension(name);
  }
  if (ENCODINGS.has(ext)) {
    name = name.slice(0, -ext.length);
    ext = extension(name);
  }
  return TYPES[ext] ?? 'application/octet-stream';
}

const WHITELIST = new Set(['audio/mpeg', 'audio/ogg', 'audio/wav', 'audio/webm', 'image/gif', 'image/jpeg', 'image/png', 'image/tiff', 'text/plain']);
const PLAINTEXT = new Set([
  'application/javascript',
  'application/json',
  'application/xhtml+xml',
  'application/xml',
  'text/css',
  'text/csv',
  'text/html',
  'image/svg+xml',
]);

/**
 * The Content-Type a download is served with: invenio-files-rest's `sanitize_mimetype` keeps a short
 * whitelist, turns script-like text into `text/plain` and everything else into `application/octet-stream`.
 */
export function downloadMimetype(key: string): string {
  const guessed = guessMimetype(key);
  if (WHITELIST.has(guessed)) return guessed;
  if (PLAINTEXT.has(guessed) || key.toLowerCase() === 'readme') return 'text/plain';
  return 'application/octet-stream';
}
