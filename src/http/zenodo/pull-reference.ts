import { DonodoError } from '../../errors/donodo-error.ts';
import type { Endpoint } from './endpoint.ts';

/** What a pull reference names: a record id, or a DOI (of a version or of a concept). */
export type PullTarget = { kind: 'id'; id: string } | { kind: 'doi'; doi: string };

export interface ReferenceRules {
  /** What a record id looks like on this service (Zenodo: digits; InvenioRDM: also `abcde-12345`). */
  recordId: RegExp;
  /** Hint for a link to another host. */
  otherHost: (host: string) => string;
  /** Example references, for the hint of an unknown one. */
  examples: string;
}

const DOI = /^10\.\d{4,9}\/\S+$/;

/**
 * Accepts: a DOI (`10.5281/zenodo.N`), a DOI link (`https://doi.org/…`, `doi:…`), record links on
 * this service's host (`…/record/<id>`, `…/records/<id>`, `…/api/records/<id>`, `…/doi/<doi>`,
 * `…/deposit/<id>`, `…/uploads/<id>`), and a bare record id.
 */
export function parseRecordReference(input: string, endpoint: Endpoint, rules: ReferenceRules): PullTarget {
  const reference = input.trim();
  if (rules.recordId.test(reference)) return { kind: 'id', id: reference };
  const bare = reference.replace(/^doi:\s*/i, '');
  if (DOI.test(bare)) return { kind: 'doi', doi: decodeURIComponent(bare) };
  const unknown = () =>
    new DonodoError('PULL_REFERENCE_INVALID', `"${reference}" is not a DOI, a DOI link, a record link or a record id.`, { hint: `Examples: ${rules.examples}.` });
  let url: URL;
  try {
    url = new URL(reference);
  } catch {
    throw unknown();
  }
  if (/^(dx\.)?doi\.org$/i.test(url.hostname)) {
    const doi = decodeURIComponent(url.pathname.slice(1));
    if (DOI.test(doi)) return { kind: 'doi', doi };
    throw unknown();
  }
  if (!endpoint.hosts.includes(url.host)) {
    throw new DonodoError('PULL_REFERENCE_OTHER_HOST', `"${reference}" is a link to ${url.host}, but this run uses ${endpoint.origin}.`, { hint: rules.otherHost(url.host) });
  }
  const path = url.pathname.replace(/\/+$/, '');
  const record = /^(?:\/api)?\/(?:records?|deposit|uploads)\/([^/]+)(?:\/.*)?$/.exec(path);
  if (record && rules.recordId.test(record[1]!)) return { kind: 'id', id: record[1]! };
  const doiPath = /^\/doi\/(.+)$/.exec(path);
  if (doiPath && DOI.test(decodeURIComponent(doiPath[1]!))) return { kind: 'doi', doi: decodeURIComponent(doiPath[1]!) };
  throw unknown();
}
