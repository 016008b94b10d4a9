import { DonodoError, type Endpoint } from '../../src/plugin-api.ts';

/** What a pull reference names on an InvenioRDM: a record (or concept) id, or a DOI. */
export type RdmPullTarget = { kind: 'id'; id: string } | { kind: 'doi'; doi: string };

const DOI = /^10\.\d{4,9}\/\S+$/;
/** Record ids: Zenodo's integers, or RDM's default `abcde-12345`. */
const RECORD_ID = /^(?:\d+|[0-9a-z]{5}-[0-9a-z]{5})$/;

/**
 * Accepts a DOI (`10.x/…`, `doi:…`, `https://doi.org/…`), a record link on this instance's host
 * (`/records/<id>`, `/record/<id>`, `/api/records/<id>`, `/uploads/<id>`, `/doi/<doi>`) and a bare record id.
 */
export function parseRdmReference(input: string, endpoint: Endpoint): RdmPullTarget {
  const reference = input.trim();
  if (RECORD_ID.test(reference)) return { kind: 'id', id: reference };
  const bare = reference.replace(/^doi:\s*/i, '');
  if (DOI.test(bare)) return { kind: 'doi', doi: decodeURIComponent(bare) };
  let url: URL;
  try {
    url = new URL(reference);
  } catch {
    throw unknown(reference, endpoint);
  }
  if (/^(dx\.)?doi\.org$/i.test(url.hostname)) {
    const doi = decodeURIComponent(url.pathname.slice(1));
    if (DOI.test(doi)) return { kind: 'doi', doi };
    throw unknown(reference, endpoint);
  }
  if (!endpoint.hosts.includes(url.host)) {
    throw new DonodoError('PULL_REFERENCE_OTHER_HOST', `"${reference}" is a link to ${url.host}, but this run uses ${endpoint.origin}.`, {
      hint: 'Use --invenio-url to point donodo at that repository.',
    });
  }
  const path = url.pathname.replace(/\/+$/, '');
  const record = /^(?:\/api)?\/(?:records?|uploads)\/([^/]+)(?:\/.*)?$/.exec(path);
  if (record && RECORD_ID.test(record[1]!)) return { kind: 'id', id: record[1]! };
  const doiPath = /^\/doi\/(.+)$/.exec(path);
  if (doiPath && DOI.test(decodeURIComponent(doiPath[1]!))) return { kind: 'doi', doi: decodeURIComponent(doiPath[1]!) };
  throw unknown(reference, endpoint);
}

function unknown(reference: string, endpoint: Endpoint) {
  return new DonodoError('PULL_REFERENCE_INVALID', `"${reference}" is not a DOI, a DOI link, a record link or a record id.`, {
    hint: `Examples: 10.5281/zenodo.123, https://doi.org/10.5281/zenodo.123, ${endpoint.origin}/records/123, abcde-12345.`,
  });
}
