import type { ImageDetails } from '../contracts/image-source.ts';
import type { TemplateScope } from '../templates/index.ts';

/** What templates see of an image: `image.name`, `image.tag`, `image.labels`, `image.inspect`. */
export function templateScope(image: ImageDetails): TemplateScope {
  return { image: { name: image.name, tag: image.tag, labels: image.labels, inspect: image.inspect } };
}
