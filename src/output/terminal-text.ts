/**
 * Text that came from outside (a record's file names, metadata, a server's error message) made
 * safe to print: control characters (escape sequences that could move the cursor, rewrite the
 * screen or set the window title) become U+FFFD, and the length is bounded.
 */
export function cleanText(text: string, max = 500): string {
  // C0 controls except tab and newline, DEL, and C1 controls (0x80–0x9f, which include CSI).
  const cleaned = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
