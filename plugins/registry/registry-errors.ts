import { cleanText, DonodoError } from '../../src/plugin-api.ts';

/**
 * The errors of the registry plugin: each names the reference as the user wrote it, what the
 * registry said, and what to do. Credentials never appear in them (nor in anything donodo prints).
 */
export const registryErrors = {
  reference: (input: string, why: string) =>
    new DonodoError('REFERENCE_INVALID', `"${cleanText(input)}" is not a registry reference: ${cleanText(why)}.`, {
      hint: 'Write docker://HOST/NAME:TAG or docker://HOST/NAME@sha256:… (docker://NAME:TAG is Docker Hub).',
    }),
  unreachable: (input: string, url: string, cause: string) =>
    new DonodoError('REGISTRY_UNREACHABLE', `The registry of "${cleanText(input)}" did not answer at ${cleanText(url)}: ${cleanText(cause)}.`, {
      hint: 'Check the host and port, and the network. A registry served over plain http must be named with --insecure-registry HOST (or "registry": {"insecure": [HOST]}); this machine (127.0.0.1, localhost, ::1) is always spoken to over http.',
    }),
  unauthorized: (input: string, had: boolean) =>
    new DonodoError('REGISTRY_UNAUTHORIZED', `The registry refused "${cleanText(input)}" ${had ? 'with the credentials found for it' : 'without credentials'} (401).`, {
      hint: had
        ? 'The user or password (or token) is wrong or expired: log in again (docker login HOST, podman login HOST), or check REGISTRY_AUTH_FILE and DOCKER_CONFIG.'
        : 'Log in first (docker login HOST or podman login HOST): donodo reads ~/.docker/config.json (or $DOCKER_CONFIG), $REGISTRY_AUTH_FILE and $XDG_RUNTIME_DIR/containers/auth.json, and their credential helpers.',
    }),
  denied: (input: string) =>
    new DonodoError('REGISTRY_DENIED', `The registry denied access to "${cleanText(input)}" (403).`, {
      hint: 'The credentials are valid but do not give this repository: ask for pull access, or use an account that has it.',
    }),
  notFound: (input: string, what: string) =>
    new DonodoError('IMAGE_NOT_FOUND', `The registry has no ${cleanText(what)} for "${cleanText(input)}" (404).`, {
      hint: 'Check the name and tag (skopeo list-tags docker://HOST/NAME lists the tags).',
    }),
  status: (input: string, what: string, status: number, body: string) =>
    new DonodoError('REGISTRY_ERROR', `The registry answered ${status} for the ${cleanText(what)} of "${cleanText(input)}"${body ? `: ${cleanText(body).slice(0, 300)}` : ''}.`, {
      hint: 'Try again later; if it persists, the registry may not implement the OCI distribution API.',
    }),
  mediaType: (input: string, mediaType: string) =>
    new DonodoError('MANIFEST_UNSUPPORTED', `The manifest of "${cleanText(input)}" has the media type "${cleanText(mediaType)}", which donodo does not read.`, {
      hint: 'donodo reads OCI image manifests and indexes, and Docker v2 schema 2 manifests and manifest lists. Convert the image (skopeo copy --format oci) and push that.',
    }),
  corrupt: (input: string, what: string, why: string) =>
    new DonodoError('REGISTRY_CORRUPT', `The registry served a damaged ${cleanText(what)} for "${cleanText(input)}": ${cleanText(why)}.`, {
      hint: 'The image in the registry is damaged, or a proxy altered it; nothing was archived. Push the image to the registry again.',
    }),
  digestMismatch: (input: string, what: string, expected: string, actual: string) =>
    new DonodoError('REGISTRY_DIGEST_MISMATCH', `The registry served ${cleanText(what)} of "${cleanText(input)}" with the digest ${actual}, not ${expected}.`, {
      hint: 'The blob in the registry is damaged, or a proxy altered it; nothing was archived. Push the image to the registry again.',
    }),
  noPlatform: (input: string, wanted: string[], held: string[]) =>
    new DonodoError('PLATFORM_NOT_FOUND', `"${cleanText(input)}" has no image for ${wanted.join(', ')}; its index holds ${held.join(', ') || 'no platform'}.`, {
      hint: 'Name one it holds with --platform OS/ARCH[/VARIANT] (repeatable), or take them all with --all-platforms.',
    }),
  interrupted: (input: string, what: string, cause: string) =>
    new DonodoError('REGISTRY_TRANSFER_FAILED', `The download of ${cleanText(what)} of "${cleanText(input)}" failed and could not be resumed: ${cleanText(cause)}.`, {
      hint: 'Try again; the archive was not made.',
    }),
  insecureRedirect: (input: string, to: string) =>
    new DonodoError('REGISTRY_REDIRECT_REFUSED', `The registry of "${cleanText(input)}" redirected to ${cleanText(to)}, over plain http.`, {
      hint: 'donodo follows a registry only to https (or this machine, or a host named with --insecure-registry).',
    }),
  helper: (input: string, helper: string, why: string) =>
    new DonodoError('CREDENTIAL_HELPER_FAILED', `The credential helper docker-credential-${cleanText(helper)} failed for "${cleanText(input)}": ${cleanText(why)}.`, {
      hint: 'Run `docker-credential-HELPER get` with the host on stdin to see why, or log in again; credsStore and credHelpers in ~/.docker/config.json name the helper.',
    }),
};
