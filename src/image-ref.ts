import { errors } from './errors/catalogue.ts';

/** A parsed image reference `[host[:port]/]path[:tag][@digest]`, following Docker's grammar. */
export interface ImageRef {
  /** Everything before the tag: `localhost:5000/team/tool`. */
  name: string;
  /** Registry host (and port) when the first component is one. */
  domain?: string;
  /** Repository path without the domain: `team/tool`. */
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

/** Parse an image reference; throws REFERENCE_INVALID with the reason. */
export function parseImageRef(input: string): ImageRef {
  const ref = input.trim();
  if (!ref) throw errors.referenceInvalid(input, 'it is empty');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw errors.referenceInvalid(input, `"${digest}" is not a digest (algorithm:hex)`);
  }
  // A tag follows the last ':' only if no '/' comes after it (else the ':' is a registry port).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw errors.referenceInvalid(input, `"${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let domain: string | undefined;
  if (parts.length > 1 && (parts[0] === 'localhost' || /[.:]/.test(parts[0]!) || /[A-Z]/.test(parts[0]!))) {
    domain = parts.shift();
    if (!DOMAIN.test(domain!)) throw errors.referenceInvalid(input, `"${domain}" is not a registry host`);
  }
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      const why = part === '' ? 'it has an empty path component' : `"${part}" is not a valid name component (lower-case letters, digits and separators . _ -)`;
      throw errors.referenceInvalid(input, why);
    }
  }
  const path = parts.join('/');
  if (path.length > 255) throw errors.referenceInvalid(input, 'the name is longer than 255 characters');
  return { name: domain ? `${domain}/${path}` : path, domain, path, tag, digest };
}

/** Parse a reference for push: it must carry a tag other than `latest` and no digest. */
export function parsePushRef(input: string): ImageRef & { tag: string } {
  const ref = parseImageRef(input);
  if (ref.digest) throw errors.referenceDigest(input);
  if (!ref.tag) throw errors.referenceMissingTag(input);
  if (ref.tag === 'latest') throw errors.referenceLatest(input);
  return ref as ImageRef & { tag: string };
}
