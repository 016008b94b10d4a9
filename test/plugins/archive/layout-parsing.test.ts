import { describe, expect, it } from 'vitest';
import { chooseSavedImage, parseSavedImages, savedName } from '../../../plugins/archive/docker-save.ts';
import { chooseEntry, choosePlatform, nameOf, parseIndex, parseManifest, REF_NAME } from '../../../plugins/archive/oci-layout.ts';

const hex = (c: string) => c.repeat(64);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const entry = (digit: string, ref?: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex(digit)}`, size: 10, ...(ref ? { annotations: { [REF_NAME]: ref } } : {}) });

describe('docker save manifest.json', () => {
  const legacy = [
    { Config: `${hex('a')}.json`, RepoTags: ['team/tool:1.0'], Layers: ['x/layer.tar'] },
    { Config: `${hex('b')}.json`, RepoTags: ['team/tool:2.0', 'team/tool:latest'], Layers: ['y/layer.tar'] },
  ];

  it('reads each image with its config digest, tags and layers', () => {
    const [first] = parseSavedImages(json(legacy), 'docker-archive:x.tar');
    expect(first).toMatchObject({ config: `${hex('a')}.json`, digest: `sha256:${hex('a')}`, repoTags: ['team/tool:1.0'], layers: ['x/layer.tar'] });
    const [oci] = parseSavedImages(json([{ Config: `blobs/sha256/${hex('c')}`, RepoTags: null, Layers: [`blobs/sha256/${hex('d')}`] }]), 'x');
    expect(oci).toMatchObject({ digest: `sha256:${hex('c')}`, repoTags: [] });
  });

  it('picks the image by its suffix, the only one without, and refuses several without, listing them', () => {
    const images = parseSavedImages(json(legacy), 'x');
    expect(chooseSavedImage(images, 'team/tool:2.0', 'x', 'x.tar').digest).toBe(`sha256:${hex('b')}`);
    expect(chooseSavedImage(images, 'docker.io/team/tool:1.0', 'x', 'x.tar').digest).toBe(`sha256:${hex('a')}`);
    expect(() => chooseSavedImage(images, undefined, 'x', 'x.tar')).toThrow(expect.objectContaining({ code: 'ARCHIVE_AMBIGUOUS', details: ['team/tool:1.0', 'team/tool:2.0, team/tool:latest'] }));
    expect(() => chooseSavedImage(images, 'other:1', 'x', 'x.tar')).toThrow(expect.objectContaining({ code: 'IMAGE_NOT_FOUND' }));
    const [one] = images;
    expect(chooseSavedImage([one!], 'renamed:3', 'x', 'x.tar')).toBe(one);
  });

  it('takes the name from RepoTags only when there is exactly one', () => {
    const [one, two] = parseSavedImages(json(legacy), 'x');
    expect(savedName(one!, undefined)).toEqual({ name: 'team/tool', tag: '1.0' });
    expect(savedName(two!, undefined)).toEqual({});
    expect(savedName(two!, 'localhost:5000/x:9')).toEqual({ name: 'localhost:5000/x', tag: '9' });
  });

  it('refuses what is no docker save manifest', () => {
    expect(() => parseSavedImages(Buffer.from('{'), 'x')).toThrow(expect.objectContaining({ code: 'ARCHIVE_CORRUPT' }));
    expect(() => parseSavedImages(json([]), 'x')).toThrow(expect.objectContaining({ code: 'ARCHIVE_NOT_IMAGE' }));
    expect(() => parseSavedImages(json([{ Config: 'config.json', Layers: [] }]), 'x')).toThrow(expect.objectContaining({ code: 'ARCHIVE_UNSUPPORTED' }));
  });
});

describe('OCI index.json and manifests', () => {
  it('picks the entry REF names, the only one without, and refuses several without, listing the refs', () => {
    const entries = parseIndex(json({ schemaVersion: 2, manifests: [entry('1', '1.0'), entry('2', '2.0')] }), 'oci:d', 'index.json');
    expect(chooseEntry(entries, '2.0', 'oci:d', 'oci:d:REF').digest).toBe(`sha256:${hex('2')}`);
    expect(() => chooseEntry(entries, undefined, 'oci:d', 'oci:d:REF')).toThrow(expect.objectContaining({ code: 'ARCHIVE_AMBIGUOUS', details: ['1.0', '2.0'] }));
    expect(() => chooseEntry(entries, '3.0', 'oci:d', 'oci:d:REF')).toThrow(expect.objectContaining({ code: 'IMAGE_NOT_FOUND', hint: expect.stringContaining('1.0, 2.0') }));
    expect(chooseEntry([entries[0]!], undefined, 'oci:d', 'oci:d:REF')).toBe(entries[0]);
    // One image under two refs is one image.
    expect(chooseEntry([entry('1', 'a'), entry('1', 'b')], undefined, 'oci:d', 'oci:d:REF').digest).toBe(`sha256:${hex('1')}`);
  });

  it('takes the entry of this platform from a nested index', () => {
    const children = [
      { ...entry('1'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { ...entry('2'), platform: { os: 'linux', architecture: 'amd64' } },
    ];
    expect(choosePlatform(children, { os: 'linux', architecture: 'amd64' }, 'x').digest).toBe(`sha256:${hex('2')}`);
    expect(choosePlatform(children, { os: 'linux', architecture: 'arm64' }, 'x').digest).toBe(`sha256:${hex('1')}`);
    expect(() => choosePlatform(children, { os: 'linux', architecture: 's390x' }, 'x')).toThrow(expect.objectContaining({ code: 'IMAGE_NOT_FOUND', hint: expect.stringContaining('linux/arm64/v8, linux/amd64') }));
  });

  it('names the image only when the ref is a full NAME:TAG (a bare tag names no repository)', () => {
    expect(nameOf({ [REF_NAME]: '1.0' })).toEqual({});
    expect(nameOf({ [REF_NAME]: 'team/tool:1.0' })).toEqual({ name: 'team/tool', tag: '1.0' });
    expect(nameOf({ [REF_NAME]: 'localhost:5000/tool:2' })).toEqual({ name: 'localhost:5000/tool', tag: '2' });
    expect(nameOf({ [REF_NAME]: '1.0', 'io.containerd.image.name': 'docker.io/library/tool:1.0' })).toEqual({ name: 'tool', tag: '1.0' });
    expect(nameOf(undefined)).toEqual({});
  });

  it('refuses indexes and manifests that are not what they claim', () => {
    expect(() => parseIndex(json({ schemaVersion: 2 }), 'x', 'index.json')).toThrow(expect.objectContaining({ code: 'ARCHIVE_CORRUPT' }));
    expect(() => parseIndex(json({ manifests: [{ digest: 'sha256:x' }] }), 'x', 'index.json')).toThrow(expect.objectContaining({ code: 'ARCHIVE_CORRUPT', message: expect.stringContaining('manifests[0]') }));
    expect(() => parseManifest(json({ layers: [] }), 'x', 'm')).toThrow(expect.objectContaining({ code: 'ARCHIVE_CORRUPT' }));
    expect(parseManifest(json({ config: entry('c'), layers: [entry('l')] }), 'x', 'm').layers).toHaveLength(1);
  });
});
