/**
 * Checks and refusals the Zenodo and InvenioRDM storages share: file size limits, a missing token,
 * a tag a concept does not have, and quoting values in search queries.
 */
import { DonodoError } from '../../errors/donodo-error.ts';
import type { StorageErrorCode } from '../../errors/storage-codes.ts';
import { cleanText } from '../../output/terminal-text.ts';
import type { Endpoint } from './endpoint.ts';

/** Zenodo's limit for one file: 50 GB (`RDM_FILES_DEFAULT_MAX_FILE_SIZE`). */
export const MAX_FILE_SIZE = 50e9;

/** Zenodo's (and InvenioRDM's default) limits for one file: at most 50 GB, and not empty. `service` names it in messages. */
export function checkFileSize(name: string, size: number, service = 'Zenodo'): void {
  if (size > MAX_FILE_SIZE) {
    throw new DonodoError<StorageErrorCode>('FILE_TOO_LARGE', `The ${name} is ${size} bytes, more than ${service}'s limit of 50 GB per file; nothing was uploaded.`, {
      hint: `${service} cannot hold this image in one record. Make the image smaller, or ask ${service === 'Zenodo' ? 'Zenodo support' : 'the repository'} for more quota.`,
    });
  }
  if (size === 0) {
    throw new DonodoError<StorageErrorCode>('FILE_EMPTY', `The ${name} is empty; ${service} does not accept empty files.`, { hint: 'The export produced nothing; check the image.' });
  }
}

/** A push without a token: where to make one, and which variable to set. */
export function missingToken(endpoint: Endpoint, code: string): DonodoError {
  return new DonodoError(code, `${endpoint.tokenSource} is not set; pushing to ${endpoint.origin} needs a personal access token.`, {
    hint: `Create one at ${endpoint.origin}/account/settings/applications/tokens/new/ with the scopes deposit:write and deposit:actions, then export ${endpoint.tokenSource}=<token>. (To archive into a local folder instead: --dir PATH.)`,
  });
}

/** `--tag` names no version of the reference's concept: list the versions there are. */
export function tagNotFound(reference: string, concept: string, tag: string, versions: Array<string | undefined>): DonodoError {
  const known = [...new Set(versions.filter(Boolean))];
  return new DonodoError<StorageErrorCode>('TAG_NOT_FOUND', `The concept of "${reference}" (${cleanText(concept)}) has no version "${tag}".`, {
    hint: `Versions found: ${known.length ? cleanText(known.join(', ')) : 'none'}.`,
  });
}

/** Escape a value for a quoted Elasticsearch query string. */
export function quoteQuery(value: string): string {
  return value.replace(/[\\"]/g, (c) => `\\${c}`);
}
