import type { ZenodoHttp } from '../../src/plugin-api.ts';
import type { RecordSearch, ZenodoRecord } from './zenodo-json.ts';

/** Pages of `records/<id>/versions` read at most (100 versions a page with a token, 25 without). */
const MAX_PAGES = 40;

/**
 * Every published version of the concept of record `recordId`, newest first: the records API's
 * version list (a search, so it may lag behind a publish), with `latest` (read from the database)
 * added when the list does not show it yet.
 */
export async function conceptVersions(http: ZenodoHttp, recordId: string, latest?: ZenodoRecord): Promise<ZenodoRecord[]> {
  // Guests may ask for 25 per page at most.
  const size = http.endpoint.token ? 100 : 25;
  const found = new Map<string, ZenodoRecord>();
  for (let page = 1; page <= MAX_PAGES; page++) {
    const result = await http.json<RecordSearch>('get', `records/${recordId}/versions`, `list the versions of record ${recordId}`, { searchParams: { size, page } });
    for (const hit of result.hits.hits) found.set(String(hit.id), hit);
    if (result.hits.hits.length < size) break;
  }
  if (latest && !found.has(String(latest.id))) found.set(String(latest.id), latest);
  // Record ids grow with every version Zenodo makes.
  return [...found.values()].sort((a, b) => b.id - a.id);
}
