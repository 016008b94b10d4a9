/**
 * File contents on disk: one temporary folder per emulator (under os.tmpdir()), one file per upload,
 * removed on close. Blobs are immutable; a new version that imports files shares them (same file id,
 * as Zenodo's `import_files` keeps the FileInstance, contract 1.6).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class BlobStore {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'zenodo-emulator-'));
  }

  newPath(): string {
    return join(this.dir, randomUUID());
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
