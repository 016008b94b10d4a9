import { DonodoError, type Endpoint } from '../../src/plugin-api.ts';

/** What a pull reference names: a record id, or a DOI (of a version or of a concept). */
export type PullTarget = { kind: 'id'; id: string } | { kind: 'doi'; doi: string };

const DOI = /^10\.\d{4,9}\/\S+$/;

/**
 * Accepts: a DOI (`10.5281/zenodo.N`), a DOI link (`https://doi.org/…`, `doi:…`), record links
 * on this Zenodo's host (`…/record/N`, `…/records/N`, `…/api/records/N`, `…/doi/<doi>`,
 * `…/deposit/N`), and a bare record id.
 */
export function parsePullReference(input: string, endpoint: Endpoint): PullTarget {
  const reference = input.trim();
  if (/^\d+$/.test(reference)) return { kind: 'id', id: reference };
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
      hint: url.host === 'sandbox.zenodo.org' ? 'Add --sandbox to pull from the sandbox.' : 'Use --sandbox or --zenodo-url to point donodo at that Zenodo.',
    });
  }
  const path = url.pathname.replace(/\/+$/, '');
  const record = /^(?:\/api)?\/(?:records?|deposit|uploads)\/(\d+)(?:\/.*)?$/.exec(path);
  if (record) return { kind: 'id', id: record[1]! };
  const doiPath = /^\/doi\/(.+)$/.exec(path);
  if (doiPath && DOI.test(decodeURIComponent(doiPath[1]!))) return { kind: 'doi', doi: decodeURIComponent(doiPath[1]!) };
  throw unknown(reference, endpoint);
}

/** The record id a Zenodo DOI encodes (`10.5281/zenodo.N` → N), if it is one of this Zenodo's. */
export function zenodoIdOf(doi: string): string | undefined {
  return /^10\.(?:5281|5072)\/zenodo\.(\d+)$/i.exec(doi)?.[1];
}

function unknown(reference: string, endpoint: Endpoint) {
  return new DonodoError('PULL_REFERENCE_INVALID', `"${reference}" is not a DOI, a DOI link, a record link or a record id.`, {
    hint: `Examples: ${endpoint.doiPrefix}/zenodo.123, https://doi.org/${endpoint.doiPrefix}/zenodo.123, ${endpoint.origin}/records/123, 123.`,
  });
}
