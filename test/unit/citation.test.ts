import { describe, expect, it } from 'vitest';
import type { ArchivedRecord } from '../../src/contracts/storage-backend.ts';
import { citable, formatCitation } from '../../src/records/citation.ts';

function record(metadata: Record<string, unknown>): ArchivedRecord {
  return { recordId: '124', conceptRecId: '122', doi: '10.5281/zenodo.124', conceptDoi: '10.5281/zenodo.122', title: String(metadata.title), version: '1.0', published: true, metadata, files: [] };
}

describe('citations from record metadata', () => {
  it('escapes what BibTeX would read as commands, and keeps organisations whole', () => {
    const text = formatCitation(citable(record({ title: 'R&D tool_x 100% {fast}', creators: [{ name: 'ACME Lab & Co' }], publication_date: '2025-09-03' }), false), 'bibtex');
    expect(text).toContain('title     = {{R\\&D tool\\_x 100\\% \\{fast\\}}},');
    expect(text).toContain('author    = {{ACME Lab \\& Co}},');
  });

  it('writes APA initials of hyphenated and several given names, and n.d. without a date', () => {
    const text = formatCitation(citable(record({ title: 'T', creators: [{ name: 'Dupont, Jean-Paul Marie' }] }), false), 'apa');
    expect(text).toBe('Dupont, J.-P. M. (n.d.). T (Version 1.0) [Computer software]. Zenodo. https://doi.org/10.5281/zenodo.124\n');
  });

  it('cites the concept with its DOI and no version', () => {
    const concept = citable(record({ title: 'T', creators: [] }), true);
    expect(concept).toMatchObject({ doi: '10.5281/zenodo.122', url: 'https://doi.org/10.5281/zenodo.122', key: 'zenodo.122' });
    expect(concept.version).toBeUndefined();
  });

  it('gives a license only as an SPDX id', () => {
    expect(citable(record({ title: 'T', license: 'cc-by' }), false).license).toBe('CC-BY-4.0');
    expect(citable(record({ title: 'T', license: { id: 'mit' } }), false).license).toBe('MIT');
    expect(citable(record({ title: 'T', license: 'other-open' }), false).license).toBeUndefined();
  });
});
