import { errors } from '../errors/catalogue.ts';
import { cleanText } from '../output/terminal-text.ts';
import { citable, doiBadge, formatCitation, type CitationFormat } from '../records/citation.ts';
import type { Services } from '../services.ts';
import type { CommandIo } from './command-io.ts';
import type { Invocation } from './program.ts';
import { printJson } from './report.ts';

/**
 * `donodo cite REF`: a citation of the version a reference names, or of the concept when it names
 * the concept (a concept DOI or id: the concept DOI, with the latest version's metadata).
 */
export async function citeCommand(services: Services, invocation: Invocation, io: CommandIo): Promise<number> {
  const reference = invocation.args[0]!;
  const tag = invocation.options.tag as string | undefined;
  const format = (invocation.options.format as CitationFormat | undefined) ?? 'apa';
  const storage = services.storage;
  // Only the storage knows whether a reference names a concept; without --tag, ask it.
  const found = !tag && storage.versionsOf ? await storage.versionsOf(reference) : undefined;
  const concept = found?.namesConcept ?? false;
  const record = (concept && (found!.versions.find((v) => v.recordId === found!.latest) ?? found!.versions[0])) || (await storage.resolve(reference, { tag }));
  const citation = citable(record, concept);
  const text = invocation.options.badge ? badge(citation.doi, record.webUrl, reference) : formatCitation(citation, format);
  if (invocation.global.json) {
    printJson(io.out, { reference, recordId: record.recordId, doi: citation.doi, concept, format: invocation.options.badge ? 'badge' : format, citation: text });
    return 0;
  }
  io.out(cleanText(text, 100_000));
  return 0;
}

function badge(doi: string | undefined, webUrl: string | undefined, reference: string): string {
  if (!doi) throw errors.noDoi(reference);
  return doiBadge(doi, webUrl);
}
