import type { PushResult } from '../results.ts';

/** The job summary of a push: a table of the images, each DOI as Zenodo's badge linking to it. */
export function pushSummary(results: PushResult[], lockFile: string | undefined): string {
  const done = results.filter((r) => r.status === 'published' || r.status === 'unchanged').length;
  const count = `${results.length} image${results.length === 1 ? '' : 's'}`;
  const planned = results.every((r) => r.status === 'planned');
  const lines = [
    planned ? `### donodo, dry run: what would be done for ${count}` : `### donodo: ${done} of ${count} archived`,
    '',
    '| Image | Status | Version | DOI | Concept DOI | Record |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map((r) =>
      row([
        code(r.image),
        r.status === 'planned' ? `would ${r.plan}` : r.status === 'failed' ? `failed: ${r.error?.message ?? 'see the log'}` : r.status,
        r.version ?? '',
        r.doi ? badge(r.doi, r.webUrl) : '',
        r.conceptDoi ? badge(r.conceptDoi, r.webUrl) : '',
        r.recordId ? (r.webUrl && /^https?:\/\//.test(r.webUrl) ? `[${cell(r.recordId)}](${link(r.webUrl)})` : cell(r.recordId)) : '',
      ]),
    ),
    '',
  ];
  if (lockFile) lines.push(`Recorded in ${code(lockFile)}: commit it so that later runs and readers find these records.`, '');
  return lines.join('\n') + '\n';
}

/** The job summary of a lock merge. */
export function mergeSummary(merge: { output: string; inputs: string[]; entries: number; added: string[]; updated: string[] }): string {
  return `### donodo: lock files merged\n\n${merge.inputs.length} lock file${merge.inputs.length === 1 ? '' : 's'} into ${code(merge.output)}: ${merge.entries} entries, ${merge.added.length} new, ${merge.updated.length} updated.\n\n`;
}

/**
 * Zenodo's DOI badge (`/badge/DOI/<doi>.svg` of the service that holds the record), linking to the DOI.
 * The DOI's characters are those of `10.<digits>/<suffix>`; anything else is not made into a link.
 */
export function badge(doi: string, webUrl: string | undefined): string {
  if (!/^10\.\d+\/[\w.\-/]+$/.test(doi)) return cell(doi);
  const origin = webUrl && /^https?:\/\//.test(webUrl) ? new URL(webUrl).origin : 'https://zenodo.org';
  return `[![DOI](${origin}/badge/DOI/${doi}.svg)](https://doi.org/${doi})`;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Text in a table cell: no line breaks, no cell separators, no HTML. */
function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[|<>\\`*_[\]]/g, (c) => `\\${c}`);
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\s+/g, ' ')}\``;
}

/** An http(s) address inside a Markdown link: the characters that would end it encoded. */
function link(address: string): string {
  return address.replace(/[()<>\s"]/g, (c) => encodeURIComponent(c));
}
