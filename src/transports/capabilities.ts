import type { ImageSource, ImageTransport } from '../contracts/image-source.ts';
import type { ArchiveTarget, ImageTarget } from '../contracts/image-target.ts';
import { errors } from '../errors/catalogue.ts';
import type { ImageLocation } from './image-location.ts';

/** Where a pull puts the image: into an engine (loaded, then tagged) or into an archive file or folder. */
export type Destination = { engine: ImageTarget } | { archive: ArchiveTarget };

/** The source side of a transport, or a clear error when its plugin cannot be read from. */
export function sourceOf(transport: ImageTransport, location: ImageLocation): ImageSource {
  if (typeof transport.inspect === 'function' && typeof transport.export === 'function') return transport as ImageSource;
  throw errors.transportCannot(location.input, location.transport, 'be pushed from');
}

/** The destination side of a transport, or a clear error when its plugin cannot be written to. */
export function destinationOf(transport: ImageTransport, location: ImageLocation): Destination {
  const engine = transport as Partial<ImageTarget>;
  if (['ping', 'images', 'load', 'tag', 'remove'].every((method) => typeof engine[method as keyof ImageTarget] === 'function')) return { engine: engine as ImageTarget };
  if (typeof (transport as Partial<ArchiveTarget>).open === 'function') return { archive: transport as ArchiveTarget };
  throw errors.transportCannot(location.input, location.transport, 'be pulled into');
}
