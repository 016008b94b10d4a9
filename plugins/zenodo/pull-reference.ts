import { parseRecordReference, type Endpoint, type PullTarget } from '../../src/plugin-api.ts';

/**
 * Accepts: a DOI (`10.5281/zenodo.N`), a DOI link (`https://doi.org/…`, `doi:…`), record links
 * on this Zenodo's host (`…/record/N`, `…/records/N`, `…/api/records/N`, `…/doi/<doi>`,
 * `…/deposit/N`), and a bare record id.
 */
export function parsePullReference(input: string, endpoint: Endpoint): PullTarget {
  return parseRecordReference(input, endpoint, {
    recordId: /^\d+$/,
    otherHost: (host) => (host === 'sandbox.zenodo.org' ? 'Add --sandbox to pull from the sandbox.' : 'Use --sandbox or --zenodo-url to point donodo at that Zenodo.'),
    examples: `${endpoint.doiPrefix}/zenodo.123, https://doi.org/${endpoint.doiPrefix}/zenodo.123, ${endpoint.origin}/records/123, 123`,
  });
}

/** The record id a Zenodo DOI encodes (`10.5281/zenodo.N` → N), if it is one of this Zenodo's. */
export function zenodoIdOf(doi: string): string | undefined {
  return /^10\.(?:5281|5072)\/zenodo\.(\d+)$/i.exec(doi)?.[1];
}
