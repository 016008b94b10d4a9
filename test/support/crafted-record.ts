import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Emulator } from '../emulator/index.ts';
import { fetchJson } from './http.ts';

/** `docker save` of references, as one uncompressed tar (what the original donodo gzips). */
export async function dockerSave(...references: string[]): Promise<Buffer> {
  const { stdout } = await promisify(execFile)('docker', ['save', ...references], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** The original donodo's notes: `{ "docker-id" : "…", "docker-image-name" : "…" }`, with either part left out when not given. */
export function donodoNotes(notes: { id?: string; name?: string }): string {
  const parts = [notes.id && `"docker-id" : "${notes.id}"`, notes.name && `"docker-image-name" : "${notes.name}"`].filter(Boolean);
  return `{ ${parts.join(', ')} }`;
}

/** The metadata of a record made outside donodo (by a test, by the benchmark): what Zenodo requires, and the notes given. */
export function craftedMetadata(options: { title: string; version: string; notes?: string }): Record<string, unknown> {
  return {
    upload_type: 'other',
    access_right: 'open',
    license: 'cc-by',
    creators: [{ name: 'donodo-test' }],
    title: options.title,
    version: options.version,
    publication_date: '2025-09-03',
    ...(options.notes ? { notes: options.notes } : {}),
  };
}

/**
 * Publish a record on the emulator through its API, the way the original donodo does (create empty,
 * write the metadata, PUT the archive gzipped at level 9 to the bucket, publish), with whatever notes
 * and archive a test needs:
 * records made elsewhere, damaged or forged. Returns the published deposition.
 */
export async function publishRecord(zenodo: Emulator, options: { title: string; version: string; notes: string; tar: Buffer }): Promise<any> {
  const auth = { authorization: `Bearer ${zenodo.token}`, 'content-type': 'application/json' };
  const metadata = { ...craftedMetadata(options), keywords: ['docker image'], description: 'a record made for a test' };
  const created = await fetchJson(`${zenodo.apiUrl}/deposit/depositions`, { method: 'POST', headers: auth, body: '{}' });
  await fetch(`${zenodo.apiUrl}/deposit/depositions/${created.id}`, { method: 'PUT', headers: auth, body: JSON.stringify({ metadata }) });
  const put = await fetch(`${created.links.bucket}/image.tar.gz`, { method: 'PUT', headers: { authorization: auth.authorization }, body: gzipSync(options.tar, { level: 9 }) });
  if (put.status !== 201) throw new Error(`the emulator refused the archive: ${put.status}`);
  return fetchJson(`${zenodo.apiUrl}/deposit/depositions/${created.id}/actions/publish`, { method: 'POST', headers: auth });
}
