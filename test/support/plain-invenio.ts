import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/index.ts';
import { runCli, type CliRun } from './cli.ts';

/** The emulator as a plain InvenioRDM, a project folder for the lock file, and a publisher template (DOI registration needs one). */
export interface PlainInvenio {
  rdm: Emulator;
  project: string;
  /** `-t` template: `{"imprint_publisher": "donodo tests"}`. */
  publisher: string;
  /** donodo in the project folder with the invenio storage on this emulator (INVENIO_TOKEN set). */
  donodo(...args: string[]): Promise<CliRun>;
  close(): Promise<void>;
}

export async function plainInvenio(prefix: string, options: EmulatorOptions = {}): Promise<PlainInvenio> {
  const rdm = await startEmulator({ mode: 'invenio', ...options });
  const project = await mkdtemp(path.join(os.tmpdir(), prefix));
  const publisher = path.join(project, 'publisher.json');
  await writeFile(publisher, JSON.stringify({ imprint_publisher: 'donodo tests' }));
  return {
    rdm,
    project,
    publisher,
    donodo: (...args) => runCli([...args, '--storage', 'invenio', '--invenio-url', rdm.apiUrl], { cwd: project, env: { INVENIO_TOKEN: rdm.token } }),
    async close() {
      await rdm.close();
      await rm(project, { recursive: true, force: true });
    },
  };
}
