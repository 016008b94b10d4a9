/**
 * Legacy deposit API: `/api/deposit/depositions[/<id>[/actions/<action>]]` (contract 1.1–1.6).
 */
import { permissionDenied } from './api-error.ts';
import { negotiate, readJson, sendEmpty, sendJson } from './exchange.ts';
import type { Exchange } from './exchange.ts';
import type { Router } from './router.ts';
import { parseSearchParams, runSearch } from './search-params.ts';
import { legacyDeposition } from './serializers.ts';
import type { Deposition } from './store.ts';

function render(ex: Exchange, dep: Deposition): Record<string, unknown> {
  const { store, urls } = ex.ctx;
  return legacyDeposition(urls, dep, store.concept(dep));
}

/**
 * `GET /api/deposit/depositions`: a bare array (no envelope) of the caller's items, one per record id
 * (the draft if any, else the record), only the latest draft of each concept unless `all_versions`;
 * served from the (lagging) index, hence without `links.bucket` (contract 1.4; REC:B4). `status` has no effect.
 */
async function list(ex: Exchange): Promise<void> {
  negotiate(ex, ['application/json']);
  // Anonymous → 403 ("TODO: should be 401" in ZR's test).
  if (ex.userId === null) throw permissionDenied();
  const params = parseSearchParams(ex.url, { maxSize: 100, sizeMessage: 'Page size cannot be greater than 100.' });
  const docs = ex.ctx.store.draftsIndex
    .visible()
    .filter((doc) => doc.dep.ownerId === ex.userId && (params.allVersions || doc.isLatestDraft));
  const { hits } = runSearch(docs, params);
  const { urls } = ex.ctx;
  await sendJson(
    ex,
    200,
    hits.map((doc) => legacyDeposition(urls, doc.dep, doc.concept, { inList: true })),
  );
}

async function create(ex: Exchange): Promise<void> {
  negotiate(ex, ['application/json']);
  const body = await readJson(ex);
  const dep = ex.ctx.store.create(ex.userId, body);
  await sendJson(ex, 201, render(ex, dep));
}

async function read(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  await sendJson(ex, 200, render(ex, ex.ctx.store.read(ex.userId, id!)));
}

async function update(ex: Exchange, [id]: string[]): Promise<void> {
  negotiate(ex, ['application/json']);
  const body = await readJson(ex);
  await sendJson(ex, 200, render(ex, ex.ctx.store.update(ex.userId, id!, body)));
}

/** DELETE and `actions/discard` share one handler: 204, empty body (docs say 201, contract 1.6). */
function remove(ex: Exchange, [id]: string[]): void {
  negotiate(ex, ['application/json']);
  ex.ctx.store.deleteDraft(ex.userId, id!);
  sendEmpty(ex, 204);
}

async function action(ex: Exchange, [id, name]: string[]): Promise<void> {
  const { store } = ex.ctx;
  switch (name) {
    case 'publish':
      negotiate(ex, ['application/json']);
      await sendJson(ex, 202, render(ex, store.publish(ex.userId, id!)));
      return;
    case 'edit':
      negotiate(ex, ['application/json']);
      await sendJson(ex, 201, render(ex, store.edit(ex.userId, id!)));
      return;
    case 'discard':
      remove(ex, [id!]);
      return;
    case 'newversion':
      negotiate(ex, ['application/json']);
      await sendJson(ex, 201, render(ex, store.newVersion(ex.userId, id!)));
      return;
  }
}

export function addDepositRoutes(router: Router): void {
  router
    .add('GET', /^\/api\/deposit\/depositions$/, list)
    .add('POST', /^\/api\/deposit\/depositions$/, create)
    .add('GET', /^\/api\/deposit\/depositions\/([^/]+)$/, read)
    .add('PUT', /^\/api\/deposit\/depositions\/([^/]+)$/, update)
    .add('DELETE', /^\/api\/deposit\/depositions\/([^/]+)$/, remove)
    .add('POST', /^\/api\/deposit\/depositions\/([^/]+)\/actions\/(publish|edit|discard|newversion)$/, action);
}
