/**
 * Test helper: native InvenioRDM API calls on the emulator (real requests over real sockets).
 */
import { createHash } from 'node:crypto';
import type { Emulator } from './server.ts';

export const RDM_JSON = 'application/vnd.inveniordm.v1+json';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** RDM metadata that passes publish validation on Zenodo (publisher included, REC:H0 plus what H2 asks for). */
export function rdmMetadata(options: { title?: string; version?: string; publisher?: string | null } = {}): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    title: options.title ?? 'Docker image colomoto/colomoto-docker',
    publication_date: '2025-01-01',
    creators: [{ person_or_org: { type: 'personal', family_name: 'Labadorf', given_name: 'Adam' } }],
    resource_type: { id: 'other' },
    version: options.version ?? '2025-01-01',
  };
  if (options.publisher !== null) metadata.publisher = options.publisher ?? 'Zenodo';
  return metadata;
}

export class NativeClient {
  readonly emulator: Emulator;
  readonly token: string | null;
  /** Send `Accept: application/vnd.inveniordm.v1+json` (RDM JSON) instead of none (hybrid on Zenodo). */
  readonly rdm: boolean;

  constructor(emulator: Emulator, options: { token?: string | null; rdm?: boolean } = {}) {
    this.emulator = emulator;
    this.token = options.token === undefined ? emulator.token : options.token;
    this.rdm = options.rdm ?? false;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const url = path.startsWith('http') ? path : `${this.emulator.apiUrl}${path}`;
    const h: Record<string, string> = { 'User-Agent': 'donodo-tests/1.0', ...(this.rdm ? { Accept: RDM_JSON } : {}), ...headers };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    let payload: string | Buffer | undefined;
    if (Buffer.isBuffer(body)) {
      payload = body;
      h['Content-Type'] ??= 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(url, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, body: parsed, headers: response.headers };
  }

  async expect(status: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
    const answer = await this.call(method, path, body, headers);
    if (answer.status !== status) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  createDraft(metadata: Record<string, unknown> = rdmMetadata()): Promise<any> {
    return this.expect(201, 'POST', '/records', { metadata, files: { enabled: true } });
  }

  /** init → content → commit of one file; returns the commit answer. */
  async upload(id: string, key: string, data: Buffer | string): Promise<any> {
    const bytes = Buffer.from(data);
    const md5 = createHash('md5').update(bytes).digest('hex');
    // The files endpoints offer application/json only (flask-resources negotiation).
    const json = { Accept: 'application/json' };
    await this.expect(201, 'POST', `/records/${id}/draft/files`, [{ key, size: bytes.length, checksum: `md5:${md5}` }], json);
    await this.expect(200, 'PUT', `/records/${id}/draft/files/${encodeURIComponent(key)}/content`, bytes, json);
    return this.expect(200, 'POST', `/records/${id}/draft/files/${encodeURIComponent(key)}/commit`, undefined, json);
  }

  publish(id: string): Promise<any> {
    return this.expect(202, 'POST', `/records/${id}/draft/actions/publish`);
  }

  /** A published record with one file, through the native API only. */
  async publishedRecord(options: { title?: string; version?: string; key?: string; data?: string } = {}): Promise<any> {
    const draft = await this.createDraft(rdmMetadata(options));
    await this.upload(String(draft.id), options.key ?? 'image.tar', options.data ?? 'image bytes');
    return this.publish(String(draft.id));
  }
}
