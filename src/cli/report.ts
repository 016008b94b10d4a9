import { formatBytes } from '../output/format.ts';
import { formatTable } from '../output/table.ts';
import { cleanText } from '../output/terminal-text.ts';
import type { PullResult, PushResult } from '../results.ts';

/** Everything printed for people goes through cleanText: record data may carry terminal escapes. */
type Write = (text: string) => void;
const clean = (write: Write): Write => (text) => write(cleanText(text, 10_000));

/** One JSON object per line, per image: all that stdout carries with --json. */
export function printJson(write: Write, result: object): void {
  write(JSON.stringify(result) + '\n');
}

/** The human account of a push, one block per image, on stdout. */
export function printPush(output: Write, result: PushResult): void {
  const write = clean(output);
  const where = result.doi ? `DOI ${result.doi} ${result.doiUrl ?? ''}`.trim() : `record ${result.recordId} ${result.doiUrl ?? result.webUrl ?? ''}`.trim();
  switch (result.status) {
    case 'published':
      write(`${result.image} published: ${where}\n`);
      break;
    case 'unchanged':
      write(`${result.image} is already published with this image: ${where}\n`);
      break;
    case 'unpublished':
      write(`${result.image} uploaded but NOT published; the draft is kept at ${result.webUrl ?? `record ${result.recordId}`}\n`);
      write(`  Publish it there, or run the same push again with --auto-publish (-y).\n`);
      break;
    case 'submitted':
      write(`${result.image} submitted for review, NOT published yet: the community's curators publish it once they accept it (${result.webUrl ?? `record ${result.recordId}`})\n`);
      write(`  Run the same push again after that to record the published version.\n`);
      break;
    case 'planned':
      write(`${result.image}: would ${planText(result)}\n`);
      return;
    case 'failed':
      return;
  }
  const concept = result.conceptDoi ? `concept DOI ${result.conceptDoi}` : result.conceptRecId ? `concept ${result.conceptRecId}` : undefined;
  const file = result.file ? `${result.file.key} ${formatBytes(result.file.size)} md5 ${result.file.md5}` : undefined;
  const line = [result.status !== 'unchanged' || result.doi ? `record ${result.recordId}` : undefined, concept, file].filter(Boolean).join(', ');
  if (line) write(`  ${line}\n`);
}

function planText(result: PushResult): string {
  switch (result.plan) {
    case 'unchanged':
      return `do nothing: already published${result.doi ? ` as ${result.doi}` : ` as record ${result.recordId}`}`;
    case 'resume':
      return `resume draft ${result.recordId} (concept ${result.conceptRecId})`;
    case 'replace-draft':
      return `take over draft ${result.recordId} (concept ${result.conceptRecId}), which holds another tag, and delete that tag's archive (--replace-draft)`;
    case 'new-version':
      return `add a new version to concept ${result.conceptDoi ?? result.conceptRecId}`;
    default:
      return 'create a new concept and its first version';
  }
}

/** A table of a batch: one row per image. */
export function printSummary(output: Write, results: PushResult[]): void {
  const write = clean(output);
  const rows = [['IMAGE', 'STATUS', 'RECORD', 'DOI'], ...results.map((r) => [r.image, r.status === 'planned' ? `would ${r.plan}` : r.status, r.recordId ?? '-', r.doi ?? '-'])];
  write('\n');
  write(formatTable(rows));
}

export function printPull(output: Write, result: PullResult): void {
  const write = clean(output);
  if (result.status !== 'loaded') return;
  const from = result.doi ?? `record ${result.recordId}`;
  if (result.written) write(`Wrote ${result.imageId} from ${from} to ${result.written}\n`);
  else write(`Loaded ${result.images?.join(', ') || '(untagged image)'} (${result.imageId}) from ${from}\n`);
  for (const tag of result.tags ?? []) {
    if (tag.previous && tag.previous !== tag.id) write(`  ${tag.reference} now points at ${tag.id} (was ${tag.previous})\n`);
  }
  if (result.ignoredTags) write(`  not tagged: ${result.ignoredTags.join(', ')} (the archive names ${result.ignoredTags.length === 1 ? 'it' : 'them'}, the record does not; --archive-tags sets them)\n`);
  const checks = Object.entries(result.verified).map(([check, outcome]) => `${CHECK_NAMES[check] ?? check} ${outcome === true ? 'ok' : outcome}`);
  if (checks.length) write(`  checked: ${checks.join('; ')}\n`);
}

const CHECK_NAMES: Record<string, string> = { md5: 'md5', archive: 'archive config digest', layers: 'layer digests', imageId: 'image id' };

/** The error block on stderr: message, details, hint. */
export function printError(output: Write, image: string | undefined, error: NonNullable<PushResult['error']>): void {
  const write = clean(output);
  const where = [error.step && `step ${error.step}`, error.plugin && `plugin ${error.plugin}`].filter(Boolean).join(', ');
  write(`donodo: ${image ? `${image}: ` : ''}${error.message} [${error.code}${where ? `; ${where}` : ''}]\n`);
  for (const detail of error.details ?? []) write(`  - ${detail}\n`);
  if (error.hint) write(`  ${error.hint}\n`);
}
