import { createRequire } from 'node:module';

const spdxIds = createRequire(import.meta.url)('spdx-license-ids') as string[];
const spdx = new Set(spdxIds.map((id) => id.toLowerCase()));
/** Lower-case SPDX id → its canonical spelling. */
const SPDX_CASE = new Map(spdxIds.map((id) => [id.toLowerCase(), id]));

/**
 * License ids Zenodo takes besides SPDX ids: the legacy deposit API's aliases (cc-by → CC-BY-4.0,
 * cc-zero → CC0-1.0, …) and Zenodo's own "other-*" entries of its license vocabulary.
 */
const ZENODO_LICENSE_ALIASES = new Set([
  'cc-by', 'cc-by-sa', 'cc-by-nd', 'cc-by-nc', 'cc-by-nc-sa', 'cc-by-nc-nd', 'cc-zero', 'cc-nc',
  'apache', 'mit-license', 'bsd-license', 'gpl', 'lgpl', 'mpl',
  'other-open', 'other-at', 'other-pd', 'other-closed', 'other-nc', 'notspecified',
]);

/**
 * Legacy aliases with the RDM licence id Zenodo stores for them (contract 4; REC:E1 `cc-by` → `cc-by-4.0`);
 * the other aliases above are ids of Zenodo's vocabulary as they are.
 */
const RDM_IDS_OF_ALIASES: Record<string, string> = {
  'cc-by': 'cc-by-4.0',
  'cc-by-sa': 'cc-by-sa-4.0',
  'cc-by-nd': 'cc-by-nd-4.0',
  'cc-by-nc': 'cc-by-nc-4.0',
  'cc-by-nc-sa': 'cc-by-nc-sa-4.0',
  'cc-by-nc-nd': 'cc-by-nc-nd-4.0',
  'cc-zero': 'cc0-1.0',
  'mit-license': 'mit',
  apache: 'apache-2.0',
};

/** The RDM `rights` id of a licence id or legacy alias (lower case). */
export function rdmLicenseId(value: string): string {
  const id = value.toLowerCase();
  return RDM_IDS_OF_ALIASES[id] ?? id;
}

/** A license id Zenodo knows: an SPDX id (any case) or a legacy alias. */
export function isZenodoLicense(value: string): boolean {
  const id = value.toLowerCase();
  return spdx.has(id) || ZENODO_LICENSE_ALIASES.has(id);
}

/** The legacy aliases that name one SPDX license (Zenodo maps them so). */
const SPDX_OF_ALIAS: Record<string, string> = {
  'cc-by': 'CC-BY-4.0', 'cc-by-sa': 'CC-BY-SA-4.0', 'cc-by-nd': 'CC-BY-ND-4.0', 'cc-by-nc': 'CC-BY-NC-4.0',
  'cc-by-nc-sa': 'CC-BY-NC-SA-4.0', 'cc-by-nc-nd': 'CC-BY-NC-ND-4.0', 'cc-zero': 'CC0-1.0',
};

/** The SPDX id a license id of a record names (its canonical spelling), if it names one. */
export function spdxLicense(value: string): string | undefined {
  const id = value.toLowerCase();
  return SPDX_CASE.get(id) ?? SPDX_OF_ALIAS[id];
}

/** An ORCID iD (optionally as https://orcid.org/ URL) whose check digit is right (ISO 7064 MOD 11-2). */
export function isOrcid(value: string): boolean {
  const match = /^(?:https:\/\/orcid\.org\/)?(\d{4})-(\d{4})-(\d{4})-(\d{3}[\dX])$/.exec(value);
  if (!match) return false;
  const digits = match.slice(1).join('');
  let total = 0;
  for (const char of digits.slice(0, -1)) total = (total + Number(char)) * 2;
  const check = (12 - (total % 11)) % 11;
  return digits.at(-1) === (check === 10 ? 'X' : String(check));
}
