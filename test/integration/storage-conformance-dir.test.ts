/** The storage conformance suite (donodo/plugin-api/testing) against the dir plugin. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeStorageConformance } from '../../src/testing/index.ts';

describeStorageConformance({
  name: 'dir',
  plugin: fileURLToPath(new URL('../../plugins/dir/index.ts', import.meta.url)),
  async setup() {
    const archive = await mkdtemp(path.join(os.tmpdir(), 'donodo-conformance-dir-'));
    return {
      options: { path: archive },
      references: (record) => [
        { reference: record.recordId, names: 'version' },
        { reference: `dir:${record.recordId}`, names: 'version' },
        { reference: `${record.identity!.name}:${record.version}`, names: 'version' },
        { reference: record.identity!.name!, names: 'latest' },
        { reference: record.conceptRecId, names: 'latest' },
        { reference: record.conceptRecId, names: 'version', tag: record.version },
      ],
      badReferences: ['999999', 'conformance/never-pushed:1.0', 'conformance/never-pushed'],
      teardown: () => rm(archive, { recursive: true, force: true }),
    };
  },
});
