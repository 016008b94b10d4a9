import { errors } from '../errors/catalogue.ts';
import { formatBytes, shortId } from '../output/format.ts';
import { formatTable } from '../output/table.ts';
import { cleanText } from '../output/terminal-text.ts';
import { versionView } from '../records/record-view.ts';
import type { Services } from '../services.ts';
import type { CommandIo } from './command-io.ts';
import type { Invocation } from './program.ts';
import { printJson } from './report.ts';

/** `donodo versions REF`: every published version of the concept, newest first, the latest marked. */
export async function versionsCommand(services: Services, invocation: Invocation, io: CommandIo): Promise<number> {
  const reference = invocation.args[0]!;
  const storage = services.storage;
  if (!storage.versionsOf) throw errors.storageLacks(storage.location, 'list the versions of a concept');
  const found = await storage.versionsOf(reference);
  const versions = found.versions.map((record) => versionView(record, found.latest));
  if (invocation.global.json) {
    printJson(io.out, { reference, conceptRecId: found.conceptRecId, conceptDoi: found.conceptDoi, versions });
    return 0;
  }
  const concept = found.conceptDoi ? `concept DOI ${found.conceptDoi}` : `concept ${found.conceptRecId}`;
  io.out(cleanText(`${versions.length} version${versions.length === 1 ? '' : 's'} of ${concept}${found.versions[0]?.title ? ` (${found.versions[0].title})` : ''}:\n`));
  const rows = [
    ['TAG', found.conceptDoi ? 'DOI' : 'RECORD', 'DATE', 'IMAGE ID', 'SIZE', 'PLATFORM', ''],
    ...versions.map((v) => [v.tag ?? '-', v.doi ?? v.recordId, v.date ?? '-', v.imageId ? shortId(v.imageId) : '-', v.size === undefined ? '-' : formatBytes(v.size), v.platforms.join(', ') || '-', v.latest ? 'latest' : '']),
  ];
  io.out(cleanText(formatTable(rows), 100_000));
  return 0;
}
