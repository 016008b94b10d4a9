import { describe, expect, it } from 'vitest';
import { parseImageRef, parsePushRef } from '../../src/image-ref.ts';

describe('image references', () => {
  it.each([
    ['demo/tiny:1.0', { name: 'demo/tiny', path: 'demo/tiny', tag: '1.0' }],
    ['tiny:2', { name: 'tiny', path: 'tiny', tag: '2' }],
    ['localhost:5000/img:1', { name: 'localhost:5000/img', domain: 'localhost:5000', path: 'img', tag: '1' }],
    ['localhost:5000/img', { name: 'localhost:5000/img', domain: 'localhost:5000', path: 'img', tag: undefined }],
    ['ghcr.io/org/team/tool:v1.2-rc_3', { name: 'ghcr.io/org/team/tool', domain: 'ghcr.io', path: 'org/team/tool', tag: 'v1.2-rc_3' }],
    ['[::1]:5000/a/b:c', { name: '[::1]:5000/a/b', domain: '[::1]:5000', path: 'a/b', tag: 'c' }],
  ])('parses %s into name, registry and tag', (input, expected) => {
    expect(parseImageRef(input)).toMatchObject(expected);
  });

  it('keeps a digest apart from the name and tag', () => {
    const digest = 'sha256:' + 'a'.repeat(64);
    expect(parseImageRef(`reg:5000/x/y:1@${digest}`)).toMatchObject({ name: 'reg:5000/x/y', tag: '1', digest });
  });

  it('refuses a push without a tag, saying a version needs one', () => {
    expect(() => parsePushRef('demo/tiny')).toThrow(expect.objectContaining({ code: 'REFERENCE_NO_TAG' }));
    expect(() => parsePushRef('localhost:5000/img')).toThrow(/has no tag/);
  });

  it('refuses to push the tag latest and says why', () => {
    expect(() => parsePushRef('demo/tiny:latest')).toThrow(expect.objectContaining({ code: 'REFERENCE_LATEST', hint: expect.stringContaining('changes meaning') }));
  });

  it('refuses to push a digest reference, because a version needs a tag', () => {
    expect(() => parsePushRef('demo/tiny@sha256:' + 'b'.repeat(64))).toThrow(expect.objectContaining({ code: 'REFERENCE_DIGEST' }));
  });

  it.each([['Demo/Tiny:1'], ['demo//tiny:1'], ['demo/tiny:'], ['demo/tiny:bad tag'], [''], ['demo/-x:1'], ['x@sha256:zz']])(
    'rejects the malformed reference %j with REFERENCE_INVALID',
    (input) => {
      expect(() => parseImageRef(input)).toThrow(expect.objectContaining({ code: 'REFERENCE_INVALID' }));
    },
  );
});
