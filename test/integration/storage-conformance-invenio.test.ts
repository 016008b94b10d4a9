/** The storage conformance suite (donodo/plugin-api/testing) against the invenio plugin, on the emulator in Zenodo mode and in plain-InvenioRDM mode. */
import { fileURLToPath } from 'node:url';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { describeStorageConformance, type ReferenceForm } from '../../src/testing/index.ts';
import type { ArchivedRecord } from '../../src/plugin-api.ts';

const plugin = fileURLToPath(new URL('../../plugins/invenio/index.ts', import.meta.url));
/** A new version on the native API starts empty: nothing to delete before the upload. */
const kills = { newVersion: ['newVersion', 'writeMetadata', 'upload', 'publish'] };

function references(emulator: Emulator, record: ArchivedRecord): ReferenceForm[] {
  return [
    { reference: record.doi!, names: 'version' },
    { reference: `doi:${record.doi}`, names: 'version' },
    { reference: `https://doi.org/${record.doi}`, names: 'version' },
    { reference: `${emulator.baseUrl}/records/${record.recordId}`, names: 'version' },
    { reference: `${emulator.apiUrl}/records/${record.recordId}`, names: 'version' },
    { reference: `${emulator.baseUrl}/doi/${record.doi}`, names: 'version' },
    { reference: record.recordId, names: 'version' },
    { reference: record.conceptDoi!, names: 'latest' },
    { reference: record.conceptRecId, names: 'latest' },
    { reference: record.conceptDoi!, names: 'version', tag: record.version },
  ];
}

describeStorageConformance({
  name: 'invenio (native API on Zenodo, on the emulator)',
  plugin,
  kills,
  async setup() {
    const zenodo = await startEmulator();
    return {
      // The conformance suite's metadata has no publisher: DOI registration needs one (REC:H2).
      options: { url: zenodo.apiUrl, zenodo: true },
      config: { defaults: { templates: { imprint_publisher: 'Zenodo' } } },
      env: { ZENODO_TOKEN: zenodo.token, DONODO_TRUST_CONFIG_URL: '1' },
      references: (record) => references(zenodo, record),
      badReferences: ['10.5281/zenodo.999999', '999999', 'https://example.org/records/1', 'not a reference'],
      teardown: () => zenodo.close(),
    };
  },
});

describeStorageConformance({
  name: 'invenio (a plain InvenioRDM, on the emulator)',
  plugin,
  kills,
  async setup() {
    const rdm = await startEmulator({ mode: 'invenio', doiPrefix: '10.83000' });
    return {
      options: { url: rdm.apiUrl },
      config: { defaults: { templates: { imprint_publisher: 'Emulated InvenioRDM' } } },
      env: { INVENIO_TOKEN: rdm.token, DONODO_TRUST_CONFIG_URL: '1' },
      references: (record) => references(rdm, record),
      badReferences: ['10.83000/zzzzz-zzzzz', 'zzzzz-zzzzz', 'https://example.org/records/1', 'not a reference'],
      teardown: () => rdm.close(),
    };
  },
});
