/**
 * Which JSON a records/drafts endpoint answers with (contract 3.1, 8): on Zenodo the hybrid
 * "ZenodoSchema" for `application/json`, `*\/*` or no Accept, the RDM JSON for
 * `application/vnd.inveniordm.v1+json`; a plain InvenioRDM answers RDM JSON to both. Another Accept → 406.
 * Zenodo also offers DataCite, BibTeX, MARCXML, CSL, DCAT, JSON-LD… (contract 3.1); the emulator does
 * not, so those answer 406 here — a known gap, not Zenodo's behaviour.
 */
import { negotiate } from './exchange.ts';
import type { Exchange } from './exchange.ts';

export const RDM_JSON = 'application/vnd.inveniordm.v1+json';

export function wantsRdm(ex: Exchange): boolean {
  if (ex.ctx.options.mode === 'invenio') {
    negotiate(ex, ['application/json', RDM_JSON]);
    return true;
  }
  return negotiate(ex, ['application/json', 'application/vnd.zenodo.v1+json', RDM_JSON]) === RDM_JSON;
}
