/**
 * Test helper: a thin HTTP client for the emulator's tests (real requests over real sockets).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Emulator } from './server.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'zenodo-recorded');

/** A recorded Zenodo response (copied from /work/shared/zenodo-recorded, see SOURCES.md there). */
export function recorded(prefix: string): unknown {
  const names: Record<string, string> = {
    A1: 'A1_sandbox_2025-10-09_POST_api_records_201.json',
    A2: 'A2_sandbox_2025-10-09_POST_draft_pids_doi_201.json',
    A3: 'A3_sandbox_2025-10-09_POST_draft_files_init_201.json',
    A4: 'A4_sandbox_2025-10-09_PUT_draft_files_key_content_200.json',
    A5: 'A5_sandbox_2025-10-09_POST_draft_files_key_commit_200.json',
    A6: 'A6_sandbox_2025-10-09_PUT_draft_200.json',
    A7: 'A7_sandbox_2025-10-09_POST_draft_actions_publish_202.json',
    H0: 'H0_sandbox_2026-08-10_POST_api_records_request_body.json',
    H1: 'H1_sandbox_2026-08-10_POST_api_records_201.json',
    H3: 'H3_sandbox_2026-08-10_POST_publish_202.json',
    H6: 'H6_sandbox_2026-08-10_POST_publish_pending_file_400.json',
    H7: 'H7_sandbox_2026-08-10_POST_draft_files_multipart_M_201.json',
    B1: 'B1_sandbox_2025-12-05_legacy_POST_deposit_depositions_201.json',
    B2: 'B2_sandbox_2025-12-05_legacy_PUT_bucket_file_201.json',
    B2h: 'B2h_sandbox_2025-12-05_bucket_PUT_headers.json',
    B3: 'B3_sandbox_2025-12-05_legacy_GET_deposition_with_files_200.json',
    B4: 'B4_sandbox_2025-12-05_legacy_GET_deposit_depositions_list_200.json',
    C1: 'C1_prod_2023-12-11_legacy_POST_deposit_depositions_empty_201.json',
    D1: 'D1_prod_2026-02-24_legacy_POST_actions_newversion_of_17235990.json',
    F1: 'F1_sandbox_2024-12-20_GET_api_records_145250_application_json.json',
    H10: 'H10_sandbox_2026-08-10_search_429.json',
    H11: 'H11_sandbox_2026-08-10_selected_response_headers.json',
    H2: 'H2_sandbox_2026-08-10_POST_publish_400_missing_publisher.json',
    H4: 'H4_sandbox_2026-08-10_POST_publish_again_404.json',
    H5: 'H5_sandbox_2026-08-10_POST_files-import_twice_400.json',
    H8: 'H8_sandbox_2026-08-10_GET_versions_list_pruned.json',
    H9: 'H9_sandbox_2026-08-10_GET_discarded_draft_404.json',
    J1: 'J1_zenodo-rdm_tests_expected_error_bodies.json',
  };
  const name = names[prefix];
  if (!name) throw new Error(`no recording ${prefix}`);
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): any;
}

export interface RawRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string | Readable;
}

/** A request with full control over headers (explicit Content-Length, chunked bodies…). */
export function raw(options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(options.url, { method: options.method, headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
    });
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else body.pipe(req);
  });
}

/** JSON API calls with the emulator's token. */
export class Client {
  readonly emulator: Emulator;
  readonly token: string | null;

  constructor(emulator: Emulator, token: string | null = emulator.token) {
    this.emulator = emulator;
    this.token = token;
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.emulator.apiUrl}${path}`;
    const h: Record<string, string> = { 'User-Agent': 'donodo-tests/1.0', ...headers };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) h['Content-Type'] ??= 'application/json';
    return fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
  }

  async json(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; response: Response }> {
    const response = await this.call(method, path, body);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, response };
  }

  async create(metadata?: Record<string, unknown>): Promise<any> {
    const res = await this.json('POST', '/deposit/depositions', metadata === undefined ? {} : { metadata });
    if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async upload(deposition: any, key: string, data: Buffer | string): Promise<any> {
    const response = await fetch(`${deposition.links.bucket}/${encodeURIComponent(key)}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/octet-stream', 'User-Agent': 'donodo-tests/1.0' },
      body: typeof data === 'string' ? Buffer.from(data) : data,
    });
    const body = await response.json();
    if (response.status !== 201) throw new Error(`upload: ${response.status} ${JSON.stringify(body)}`);
    return body;
  }

  async publish(id: number): Promise<any> {
    const res = await this.json('POST', `/deposit/depositions/${id}/actions/publish`);
    if (res.status !== 202) throw new Error(`publish: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A published record with one file, the way donodo makes them. */
  async publishedRecord(options: { title?: string; version?: string; key?: string; data?: string } = {}): Promise<any> {
    const dep = await this.create(validMetadata(options));
    await this.upload(dep, options.key ?? 'image.tar.gz', options.data ?? 'image bytes');
    return this.publish(dep.id);
  }
}

/** Metadata that passes publish validation (donodo's template, contract 4). */
export function validMetadata(options: { title?: string; version?: string } = {}): Record<string, unknown> {
  return {
    upload_type: 'other',
    access_right: 'open',
    license: 'cc-by',
    creators: [{ name: 'colomoto' }],
    title: options.title ?? 'Docker image colomoto/colomoto-docker',
    version: options.version ?? '2025-01-01',
    publication_date: '2025-01-01',
    keywords: ['docker image'],
    notes: '{ "docker-id" : "sha256:abc", "docker-image-name" : "colomoto/colomoto-docker:2025-01-01" }',
    description: '<p>A docker save export of the image.</p>',
  };
}

/** The JSON body of a fetch Response, untyped (tests index into it freely). */
export function bodyOf(res: Response): Promise<any> {
  return res.json() as Promise<any>;
}

/** GET a URL and parse its JSON body. */
export async function getJson(url: string, init?: RequestInit): Promise<any> {
  return bodyOf(await fetch(url, init));
}
