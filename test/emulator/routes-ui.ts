/**
 * The web pages a client may follow from API links (contract 3.3, 3.4): landing pages, the legacy
 * redirectors and DOI resolution. Pages are minimal HTML; what matters is the status and Location.
 */
import type { Exchange } from './exchange.ts';
import { sendBuffer, sendRedirect } from './exchange.ts';
import { serveFile } from './file-download.ts';
import type { Router } from './router.ts';
import type { Concept, Deposition } from './store.ts';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function html(ex: Exchange, status: number, title: string, body: string): Promise<void> {
  const page = `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body>\n</html>\n`;
  await sendBuffer(ex, status, Buffer.from(page), { 'Content-Type': 'text/html; charset=utf-8' });
}

export async function notFoundPage(ex: Exchange): Promise<void> {
  await html(ex, 404, 'Page not found | Zenodo', '<h1>Page not found</h1>');
}

function published(ex: Exchange, id: string): Deposition | undefined {
  const dep = ex.ctx.store.versions.get(/^\d+$/.test(id) ? Number(id) : NaN);
  return dep?.record ? dep : undefined;
}

function concept(ex: Exchange, id: string): Concept | undefined {
  return ex.ctx.store.concepts.get(/^\d+$/.test(id) ? Number(id) : NaN);
}

/** `/records/<id>`: the landing page; a concept id resolves to its latest version (contract 3.1). */
async function landingPage(ex: Exchange, [id]: string[]): Promise<void> {
  const { store, urls } = ex.ctx;
  const dep = published(ex, id!);
  if (!dep) {
    const c = concept(ex, id!);
    const latest = c && store.latestPublished(c);
    if (latest) return sendRedirect(ex, 302, `${urls.ui}/records/${latest.id}`);
    return notFoundPage(ex);
  }
  const rec = dep.record!;
  const title = typeof rec.metadata.title === 'string' ? rec.metadata.title : '';
  const files = rec.files
    .map((f) => `<li><a href="/records/${dep.id}/files/${encodeURIComponent(f.key)}?download=1">${escapeHtml(f.key)}</a> (${f.size} bytes, md5:${f.checksum})</li>`)
    .join('\n');
  await html(
    ex,
    200,
    `${title} | Zenodo`,
    `<h1>${escapeHtml(title)}</h1>\n<p>DOI: <a href="https://doi.org/${escapeHtml(rec.doi ?? '')}">${escapeHtml(rec.doi ?? '')}</a></p>\n<ul>\n${files}\n</ul>`,
  );
}

/** `/records/<id>/latest` → 302 to the latest version's page. */
function latestPage(ex: Exchange, [id]: string[]): Promise<void> | void {
  const { store, urls } = ex.ctx;
  const dep = published(ex, id!);
  const c = dep ? store.concept(dep) : concept(ex, id!);
  const latest = c && store.latestPublished(c);
  if (!latest) return notFoundPage(ex);
  return sendRedirect(ex, 302, `${urls.ui}/records/${latest.id}`);
}

/** `/records/<id>/files/<key>`: inline, or as an attachment with `?download=1` (contract 3.3). */
async function uiFile(ex: Exchange, [id, key]: string[]): Promise<void> {
  const dep = published(ex, id!);
  const file = dep?.record!.files.find((f) => f.key === key);
  if (!dep || !file) return notFoundPage(ex);
  const access = dep.record!.metadata.access_right;
  if ((access === 'restricted' || access === 'embargoed') && ex.userId !== dep.ownerId) {
    return html(ex, 403, 'Permission required | Zenodo', '<h1>Permission required</h1>');
  }
  await serveFile(ex, file, { asAttachment: ex.url.searchParams.has('download') });
}

/** Legacy `/record/<id>[/…]` → `/records/<id>[/…]` (ZR `REDIRECTOR_RULES`; 302 is Flask's default code, UNCONFIRMED). */
function legacyRecord(ex: Exchange, [rest]: string[]): void {
  sendRedirect(ex, 302, `${ex.ctx.urls.ui}/records/${rest}${ex.url.search}`);
}

/** `/deposit/<id>` → `/uploads/<id>` (contract 1.3). */
function depositRedirect(ex: Exchange, [id]: string[]): void {
  sendRedirect(ex, 302, `${ex.ctx.urls.ui}/uploads/${id}`);
}

/** `/uploads/<id>`: the owner's edit page (real Zenodo needs a browser session; here it is just a page). */
async function uploadPage(ex: Exchange, [id]: string[]): Promise<void> {
  const dep = ex.ctx.store.versions.get(/^\d+$/.test(id!) ? Number(id) : NaN);
  if (!dep) return notFoundPage(ex);
  const snap = dep.draft ?? dep.record!;
  const title = typeof snap.metadata.title === 'string' ? snap.metadata.title : '';
  await html(ex, 200, `Edit upload | Zenodo`, `<h1>Upload ${dep.id}</h1>\n<p>${escapeHtml(title)}</p>`);
}

/** `/doi/<doi>` → 302 to the landing page; a concept DOI goes to the latest version (contract 3.4). */
function doiRedirect(ex: Exchange, [doi]: string[]): Promise<void> | void {
  const { store, urls } = ex.ctx;
  const wanted = doi!.toLowerCase();
  for (const dep of store.versions.values()) {
    if (dep.record?.doi?.toLowerCase() === wanted) return sendRedirect(ex, 302, `${urls.ui}/records/${dep.id}`);
  }
  for (const c of store.concepts.values()) {
    if (c.doi?.toLowerCase() === wanted) {
      const latest = store.latestPublished(c);
      if (latest) return sendRedirect(ex, 302, `${urls.ui}/records/${latest.id}`);
    }
  }
  return notFoundPage(ex);
}

/** `/badge/doi/<doi>.svg`: a small DOI badge. */
async function badge(ex: Exchange, [doi]: string[]): Promise<void> {
  const text = escapeHtml(doi || 'DOI');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${40 + text.length * 7}" height="20"><rect width="100%" height="20" fill="#1f78b4"/><text x="6" y="14" fill="#fff" font-family="Verdana" font-size="11">DOI ${text}</text></svg>`;
  await sendBuffer(ex, 200, Buffer.from(svg), { 'Content-Type': 'image/svg+xml' });
}

export function addUiRoutes(router: Router): void {
  router
    .add('GET', /^\/records\/([^/]+)$/, landingPage)
    .add('GET', /^\/records\/([^/]+)\/latest$/, latestPage)
    .add('GET', /^\/records\/([^/]+)\/files\/([^/]+)$/, uiFile)
    .add('GET', /^\/record\/(.+)$/, legacyRecord)
    .add('GET', /^\/deposit\/([^/]+)$/, depositRedirect)
    .add('GET', /^\/uploads\/([^/]+)$/, uploadPage)
    .add('GET', /^\/doi\/(.+)$/, doiRedirect)
    .add('GET', /^\/badge\/doi\/(.*)\.svg$/, badge);
}

