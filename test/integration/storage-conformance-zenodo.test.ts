/** The storage conformance suite (donodo/plugin-api/testing) against the zenodo plugin (legacy API), on the emulator. */
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../emulator/index.ts';
import { describeStorageConformance } from '../../src/testing/index.ts';

describeStorageConformance({
  name: 'zenodo (legacy deposit API, on the emulator)',
  plugin: fileURLToPath(new URL('../../plugins/zenodo/index.ts', import.meta.url)),
  // A new version on Zenodo starts with the previous version's files: its image archive is deleted first.
  kills: { newVersion: ['newVersion', 'deleteFile', 'writeMetadata', 'upload', 'publish'] },
  async setup() {
    const zenodo = await startEmulator();
    return {
      options: { url: zenodo.apiUrl },
      env: { ZENODO_TOKEN: zenodo.token, DONODO_TRUST_CONFIG_URL: '1' },
      references: (record) => [
        { reference: record.doi!, names: 'version' },
        { reference: `doi:${record.doi}`, names: 'version' },
        { reference: `https://doi.org/${record.doi}`, names: 'version' },
        { reference: `${zenodo.baseUrl}/records/${record.recordId}`, names: 'version' },
        { reference: `${zenodo.baseUrl}/record/${record.recordId}`, names: 'version' },
        { reference: `${zenodo.apiUrl}/records/${record.recordId}`, names: 'version' },
        { reference: `${zenodo.baseUrl}/doi/${record.doi}`, names: 'version' },
        { reference: record.recordId, names: 'version' },
        { reference: record.conceptDoi!, names: 'latest' },
        { reference: record.conceptRecId, names: 'latest' },
        { reference: record.conceptDoi!, names: 'version', tag: record.version },
      ],
      badReferences: ['10.5281/zenodo.999999', '999999', 'https://example.org/records/1', 'not a reference', '10.5072/zenodo.1'],
      teardown: () => zenodo.close(),
    };
  },
});
