import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/index.ts';

/**
 * A Zenodo emulator whose search lags (reruns must find what they made by the lock file's ids), a
 * project folder for the lock file, and a template with the publisher Zenodo's native publish needs.
 */
export interface InvenioProject {
  zenodo: Emulator;
  project: string;
  /** `-t` template: `{"imprint_publisher": "Zenodo"}`. */
  publisher: string;
  /** donodo's arguments for the invenio storage on this emulator, after `rest`. */
  args(...rest: string[]): string[];
  close(): Promise<void>;
}

export async function invenioProject(prefix: string): Promise<InvenioProject> {
  const zenodo = await startEmulator({ indexDelayMs: 3000 });
  const project = await mkdtemp(path.join(os.tmpdir(), prefix));
  const publisher = path.join(project, 'publisher.json');
  await writeFile(publisher, JSON.stringify({ imprint_publisher: 'Zenodo' }));
  return {
    zenodo,
    project,
    publisher,
    args: (...rest) => [...rest, '-t', publisher, '--storage', 'invenio', '--invenio-url', zenodo.apiUrl, '--invenio-zenodo'],
    async close() {
      await zenodo.close();
      await rm(project, { recursive: true, force: true });
    },
  };
}
