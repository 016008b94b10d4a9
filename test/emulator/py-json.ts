/**
 * JSON text exactly as Zenodo's Python stack writes it.
 *
 * Flask-resources serialises with Python's `json.dumps` defaults: `", "` and `": "` separators and
 * `ensure_ascii` (non-ASCII as `\uXXXX`). The recorded Content-Length values prove it: the 404 body
 * `{"status": 404, "message": "Not found."}` is 40 bytes (REC:H4 / REC:H11), the `versions/latest`
 * 301 body is 105 bytes (REC:H11) and the bucket PUT body of REC:B2 is 654 bytes (REC:B2h) — all three
 * only match the spaced form. The rate limiter is the exception: Flask-Limiter uses Flask's compact
 * `jsonify` plus a newline (REC:H10 body is 43 bytes in REC:H11), see {@link compactJsonLine}.
 */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'string':
      return asciiString(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item) => pyJson(item === undefined ? null : item)).join(', ')}]`;
      }
      const parts: string[] = [];
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (item === undefined) continue;
        parts.push(`${asciiString(key)}: ${pyJson(item)}`);
      }
      return `{${parts.join(', ')}}`;
    }
    default:
      return 'null';
  }
}

/** Flask `jsonify` output (compact separators, trailing newline), as Flask-Limiter's 429 uses. */
export function compactJsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
