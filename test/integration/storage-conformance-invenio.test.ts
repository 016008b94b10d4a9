/**
 * The storage conformance suite (donodo/plugin-api/testing) against the invenio plugin (the native
 * InvenioRDM API), on the emulator: in Zenodo mode, and as a plain InvenioRDM (its own DOI prefix,
 * RDM record ids, no legacy routes).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../emulator/index.ts';
import { describeStorageConformance, type ReferenceForm } from '../../src/testing/index.ts';
import type { ArchivedRecord } from '../../src/plugin-api.ts';

const plugin = fileURLToPath(new URL('../../plugins/invenio/index.ts', import.meta.url));

/** A template with the publisher that DOI registration needs (REC:H2), which donodo's default metadata leaves out. */
async function publisherTemplate(): Promise<{ folder: string; file: string }> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'donodo-conformance-invenio-'));
  const file = path.join(folder, 'publisher.json');
  await writeFile(file, JSON.stringify({ imprint_publisher: 'Zenodo' }));
  return { folder, file };
}

/** The reference forms of a record on an emulator whose web and API bases are these. */
function references(record: ArchivedRecord, baseUrl: string, apiUrl: string): ReferenceForm[] {
  return [
    { reference: record.doi!, names: 'version' },
    { reference: `doi:${record.doi}`, names: 'version' },
    { reference: `https://doi.org/${record.doi}`, names: 'version' },
    { reference: `${baseUrl}/records/${record.recordId}`, names: 'version' },
    { reference: `${apiUrl}/records/${record.recordId}`, names: 'version' },
    { reference: `${baseUrl}/doi/${record.doi}`, names: 'version' },
    { reference: record.recordId, names: 'version' },
    { reference: record.conceptDoi!, names: 'latest' },
    { reference: record.conceptRecId, names: 'latest' },
    { reference: record.conceptDoi!, names: 'version', tag: record.version },
  ];
}

describeStorageConformance({
  name: 'invenio (native API, on the emulator in Zenodo mode)',
  plugin,
  async setup() {
    const zenodo = await startEmulator();
    const publisher = await publisherTemplate();
    return {
      options: { url: zenodo.apiUrl, zenodo: true },
      env: { ZENODO_TOKEN: zenodo.token, DONODO_TRUST_CONFIG_URL: '1' },
      pushArgs: ['-t', publisher.file],
      metadata: { imprint_publisher: 'Zenodo' },
      references: (record) => [...references(record, zenodo.baseUrl, zenodo.apiUrl), { reference: `${zenodo.baseUrl}/record/${record.recordId}`, names: 'version' }],
      badReferences: ['10.5281/zenodo.999999', '999999', 'https://example.org/records/1', 'not a reference', '10.5072/zenodo.1'],
      async teardown() {
        await zenodo.close();
        await rm(publisher.folder, { recursive: true, force: true });
      },
    };
  },
});

describeStorageConformance({
  name: 'invenio (native API, on the emulator as a plain InvenioRDM)',
  plugin,
  async setup() {
    const rdm = await startEmulator({ mode: 'invenio', doiPrefix: '10.80001' });
    const publisher = await publisherTemplate();
    return {
      options: { url: rdm.apiUrl },
      env: { INVENIO_TOKEN: rdm.token, DONODO_TRUST_CONFIG_URL: '1' },
      pushArgs: ['-t', publisher.file],
      metadata: { imprint_publisher: 'Zenodo' },
      references: (record) => references(record, rdm.baseUrl, rdm.apiUrl),
      badReferences: ['10.80001/zzzzz-zzzzz', 'zzzzz-zzzzz', 'https://example.org/records/abcde-12345', 'not a reference'],
      async teardown() {
        await rdm.close();
        await rm(publisher.folder, { recursive: true, force: true });
      },
    };
  },
});
