import { describe, expect, it } from 'vitest';
import { blobPathOf, imageManifest, indexEntries, layoutJson, LayoutError, savedImages } from '../../src/plugin-api.ts';

const hex = 'a'.repeat(64);

function failure(read: () => unknown): LayoutError {
  try {
    read();
  } catch (cause) {
    if (cause instanceof LayoutError) return cause;
    throw cause;
  }
  throw new Error('it did not fail');
}

describe('the image layout parser of the plugin API', () => {
  it('reads docker save manifests, OCI indexes and manifests', () => {
    const [image] = savedImages(layoutJson(Buffer.from(JSON.stringify([{ Config: `./${hex}.json`, RepoTags: ['x:1'], Layers: ['./l/layer.tar'] }])), 'manifest.json'));
    expect(image).toMatchObject({ config: `${hex}.json`, digest: `sha256:${hex}`, repoTags: ['x:1'], layers: ['l/layer.tar'] });
    expect(indexEntries({ manifests: [{ digest: `sha256:${hex}`, size: 3 }] }, 'index.json')).toEqual([{ digest: `sha256:${hex}`, size: 3 }]);
    expect(imageManifest({ config: { digest: `sha256:${hex}`, size: 1 }, layers: [] }, 'm').layers).toEqual([]);
    expect(blobPathOf(`sha256:${hex}`)).toBe(`blobs/sha256/${hex}`);
  });

  it('says what is wrong, and of which kind, for each damage', () => {
    expect(failure(() => layoutJson(Buffer.from('{'), 'index.json'))).toMatchObject({ kind: 'corrupt', message: 'its index.json is not valid JSON' });
    expect(failure(() => savedImages([]))).toMatchObject({ kind: 'empty' });
    expect(failure(() => savedImages([{ Config: 'c.json' }]))).toMatchObject({ kind: 'corrupt', message: 'manifest.json entry 0 has no Config and Layers' });
    expect(failure(() => indexEntries({ manifests: [{ digest: 'sha256:x' }] }, 'index.json')).message).toBe('index.json manifests[0] is not a content descriptor (digest and size)');
    expect(failure(() => imageManifest({ layers: [] }, 'blobs/sha256/m')).message).toContain('not an image manifest');
    expect(failure(() => blobPathOf('sha512:00'))).toMatchObject({ kind: 'unsupported' });
  });
});
