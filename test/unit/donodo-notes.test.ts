import { describe, expect, it } from 'vitest';
import { identityFromNotes, notesWithIdentity } from '../../src/donodo-notes.ts';

const ID = `sha256:${'a'.repeat(64)}`;
const MANIFEST = `sha256:${'b'.repeat(64)}`;
const ORIGINAL = `{ "docker-id" : "${ID}", "docker-image-name" : "team/tool:1.0" }`;

describe('the image identity in Zenodo notes', () => {
  it('reads the notes the original donodo wrote', () => {
    expect(identityFromNotes(ORIGINAL)).toEqual({ config: ID, name: 'team/tool', tag: '1.0' });
  });

  it('reads them when Zenodo wrapped them in HTML and escaped the quotes', () => {
    const html = `<p>${ORIGINAL.replaceAll('"', '&quot;')}</p>`;
    expect(identityFromNotes(html)).toEqual({ config: ID, name: 'team/tool', tag: '1.0' });
  });

  it('keeps a registry port out of the tag', () => {
    expect(identityFromNotes(`{ "docker-id" : "${ID}", "docker-image-name" : "localhost:5000/x" }`)).toEqual({ config: ID, name: 'localhost:5000/x' });
  });

  it('writes the original two keys first, spaced as the original, then the rest', () => {
    const notes = notesWithIdentity(undefined, { config: ID, manifest: MANIFEST, name: 'team/tool', tag: '1.0', platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, format: 'oci-layout' });
    expect(notes.startsWith(ORIGINAL.slice(0, -2))).toBe(true);
    expect(JSON.parse(notes)).toEqual({
      'docker-id': ID,
      'docker-image-name': 'team/tool:1.0',
      'docker-manifest-digest': MANIFEST,
      'docker-platform': 'linux/arm/v7',
      'docker-archive-format': 'oci-layout',
    });
    expect(identityFromNotes(notes)).toEqual({ config: ID, manifest: MANIFEST, name: 'team/tool', tag: '1.0', platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, format: 'oci-layout' });
  });

  it('replaces the object a template rendered, and keeps the user\'s own text around it', () => {
    const notes = notesWithIdentity(`Built for the paper {draft}. ${ORIGINAL} Thanks!`, { config: ID, name: 'team/tool', tag: '1.0', format: 'docker-save' });
    expect(notes).toBe(`Built for the paper {draft}. { "docker-id" : "${ID}", "docker-image-name" : "team/tool:1.0", "docker-archive-format" : "docker-save" } Thanks!`);
  });

  it('appends the object to notes that hold none', () => {
    expect(notesWithIdentity('Free text', { config: ID })).toBe(`Free text\n{ "docker-id" : "${ID}" }`);
  });

  it('gives nothing for notes that say nothing of an image, and ignores values of the wrong kind', () => {
    expect(identityFromNotes('no json here')).toBeUndefined();
    expect(identityFromNotes('{ "other": 1 }')).toBeUndefined();
    expect(identityFromNotes(42)).toBeUndefined();
    expect(identityFromNotes(`{ "docker-id" : "${ID}", "docker-platform" : "not a platform", "docker-archive-format" : "zip", "docker-manifest-digest" : "md5:1" }`)).toEqual({ config: ID });
  });
});
