import { parseRecordReference, type Endpoint, type PullTarget } from '../../src/plugin-api.ts';

/** Record ids: Zenodo's integers, or RDM's default `abcde-12345`. */
const RECORD_ID = /^(?:\d+|[0-9a-z]{5}-[0-9a-z]{5})$/;

/** A DOI, a DOI link, a record link on this repository's host, or a bare record id. */
export function parseRdmReference(input: string, endpoint: Endpoint): PullTarget {
  return parseRecordReference(input, endpoint, {
    recordId: RECORD_ID,
    otherHost: () => 'Use --invenio-url to point donodo at that repository.',
    examples: `10.5281/zenodo.123, https://doi.org/10.5281/zenodo.123, ${endpoint.origin}/records/123, abcde-12345`,
  });
}
