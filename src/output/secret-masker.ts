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

  /** A stream that masks what is written to it before passing it on (keeps isTTY, columns, rows). */
  wrap(stream: NodeJS.WriteStream): NodeJS.WriteStream {
    const masker = this;
    return new Proxy(stream, {
      get(target, property) {
        if (property === 'write') {
          return (chunk: unknown, ...rest: unknown[]) =>
            (target.write as (...a: unknown[]) => boolean)(
              typeof chunk === 'string' ? masker.mask(chunk) : Buffer.isBuffer(chunk) ? masker.mask(chunk.toString()) : chunk,
              ...rest,
            );
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}
