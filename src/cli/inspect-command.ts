import type { ArchivedRecord } from '../contracts/storage-backend.ts';
import { formatBytes } from '../output/format.ts';
import { formatTable } from '../output/table.ts';
import { cleanText } from '../output/terminal-text.ts';
import { platformsOf } from '../records/record-view.ts';
import type { Services } from '../services.ts';
import type { CommandIo } from './command-io.ts';
import type { Invocation } from './program.ts';
import { printJson } from './report.ts';
import { shellWord, storageFlags } from './storage-flags.ts';

/** `donodo inspect REF`: what a record holds and how to restore it; nothing is downloaded. */
export async function inspectCommand(services: Services, invocation: Invocation, io: CommandIo): Promise<number> {
  const reference = invocation.args[0]!;
  const tag = invocation.options.tag as string | undefined;
  const record = await services.storage.resolve(reference, { tag });
  const restore = restoreCommand(record, invocation);
  const { identity } = record;
  if (invocation.global.json) {
    printJson(io.out, {
      reference,
      recordId: record.recordId,
      conceptRecId: record.conceptRecId,
      doi: record.doi,
      doiUrl: record.doiUrl,
      conceptDoi: record.conceptDoi,
      version: record.version,
      title: record.title,
      published: record.published,
      webUrl: record.webUrl,
      metadata: record.metadata,
      files: record.files,
      image: identity,
      platforms: platformsOf(record),
      restore,
    });
    return 0;
  }
  const metadata = record.metadata;
  const rows: string[][] = [
    ['title', record.title],
    ['version', record.version ?? '-'],
    ['record', [record.recordId, record.webUrl].filter(Boolean).join('  ')],
    ...(record.doi ? [['DOI', [record.doi, record.doiUrl].filter(Boolean).join('  ')]] : []),
    ['concept', record.conceptDoi ? `${record.conceptDoi} (record ${record.conceptRecId})` : record.conceptRecId],
    ['published', text(metadata.publication_date)],
    ['creators', creatorsText(metadata.creators)],
    ['license', text(typeof metadata.license === 'object' ? (metadata.license as { id?: unknown })?.id : metadata.license)],
    ['keywords', Array.isArray(metadata.keywords) ? metadata.keywords.map(String).join(', ') : '-'],
    ['image', identity?.name ? `${identity.name}${identity.tag ? `:${identity.tag}` : ''}` : '-'],
    ['image id', identity?.config ?? '- (the record has no docker-id)'],
    ...(identity?.manifest ? [['manifest', identity.manifest]] : []),
    ['platform', platformsOf(record).join(', ') || '-'],
    ...(identity?.format ? [['format', identity.format]] : []),
    ...record.files.map((file, index) => [index === 0 ? 'files' : '', `${file.key}  ${formatBytes(file.size)}  md5 ${file.md5}`]),
    ['restore', restore],
  ];
  io.out(cleanText(formatTable(rows.map(([label, value]) => [label!, cleanText(value ?? '-', 2_000).replace(/\n/g, ' ')])), 100_000));
  return 0;
}

/** The command that restores this record, on the storage this invocation reached it on. */
export function restoreCommand(record: ArchivedRecord, invocation: Invocation): string {
  const flags = storageFlags(invocation);
  return `donodo pull ${shellWord(record.doi ?? record.recordId)}${flags ? ` ${flags}` : ''}`;
}

function text(value: unknown): string {
  return typeof value === 'string' && value ? value : '-';
}

function creatorsText(creators: unknown): string {
  if (!Array.isArray(creators) || creators.length === 0) return '-';
  return creators
    .map((c: { name?: unknown; orcid?: unknown }) => `${String(c?.name ?? '?')}${typeof c?.orcid === 'string' && c.orcid ? ` (ORCID ${c.orcid})` : ''}`)
    .join('; ');
}
