/**
 * Replaces every registered secret (the Zenodo token…) with "***" in text. Every output path of
 * donodo (stdout, stderr, progress, errors, debug traces) writes through one masker.
 */
export class SecretMasker {
  readonly #secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mask ordinary text; tokens are long.
    if (secret && secret.length >= 6) this.#secrets.add(secret);
  }

  mask(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      out = out.split(secret).join('***');
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) out = out.split(encoded).join('***');
    }
    return out;
  }

  /**
   * Make every write to `stream` masked, whoever writes (donodo, listr2's renderer, a plugin's
   * console.log). The stream itself is patched rather than wrapped, so that renderers which take
   * over `write` while they draw still go through the mask.
   */
  guard(stream: NodeJS.WriteStream): NodeJS.WriteStream {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(typeof chunk === 'string' ? this.mask(chunk) : Buffer.isBuffer(chunk) ? this.mask(chunk.toString()) : chunk, ...rest)) as typeof stream.write;
    return stream;
  }
}
