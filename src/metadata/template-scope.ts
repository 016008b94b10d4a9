import type { NamedImage } from '../contracts/image-source.ts';
import type { TemplateScope } from '../templates/index.ts';

/**
 * What templates see of an image: `image.name`, `image.tag`, `image.labels`, `image.inspect`. An
 * engine's own inspect object is given as it is; for a source without an engine (an archive file,
 * an OCI layout), `image.inspect` holds what the image config says in `docker inspect`'s words, so
 * `image.inspect['Id']` and `['Created']` (the default template's) resolve for every source.
 */
export function templateScope(image: NamedImage): TemplateScope {
  return { image: { name: image.name, tag: image.tag, labels: image.labels, inspect: image.inspect ?? inspectOf(image) } };
}

function inspectOf(image: NamedImage): Record<string, unknown> {
  return {
    Id: image.id,
    RepoTags: [`${image.name}:${image.tag}`],
    ...(image.created ? { Created: image.created } : {}),
    Os: image.platform.os,
    Architecture: image.platform.architecture,
    ...(image.platform.variant ? { Variant: image.platform.variant } : {}),
    Size: image.size,
    Config: { Labels: image.labels },
  };
}
