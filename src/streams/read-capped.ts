/**
 * Read a whole body into memory, but never more than `cap` bytes. At the first byte beyond, the
 * source is given up (a fetch body is cancelled, which closes its connection; a file stream is
 * destroyed) and `tooLarge()` is thrown: a broken or hostile server, or a file that never ends,
 * must not fill the memory before anything can say what is wrong.
 */
export async function readCapped(source: AsyncIterable<Uint8Array> | null | undefined, cap: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!source) return Buffer.alloc(0);
  // Leaving a for-await loop by a throw calls the iterator's return(): that is the cancel.
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > cap) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The body of a fetch response as text, at most `cap` bytes. A declared Content-Length above the
 * cap fails before a byte is read; an undeclared or false one fails at the cap.
 */
export async function readResponseCapped(response: Response, cap: number, tooLarge: () => Error): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > cap) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  return (await readCapped(response.body as AsyncIterable<Uint8Array> | null, cap, tooLarge)).toString('utf8');
}
