import type { DepositionMetadata } from '../../contracts/metadata-provider.ts';
import { errors } from '../../errors/catalogue.ts';
import { readSchema } from '../../package-info.ts';
import type { Step } from '../../pipeline/step.ts';
import { validateAgainst } from '../../schema/validator.ts';
import type { Services } from '../../services.ts';
import { archiveOf, DEFAULT_ARCHIVE_FORMAT } from './export-image.ts';
import type { PushContext } from './push-context.ts';

const schema = readSchema('deposition-metadata.schema.json');

/**
 * Apply the metadata providers in order, then check the result against the deposition schema, and
 * against the storage's own schema when it has one (before any request).
 */
export const renderMetadata: Step<PushContext, 'metadata' | 'baseDir' | 'compressor' | 'storage'> = {
  id: 'render',
  title: 'Render metadata',
  uses: ['metadata', 'baseDir', 'compressor', 'storage'],
  async run(context, { services }) {
    context.metadata = await composeMetadata(services, context);
  },
};

export async function composeMetadata(services: Pick<Services, 'metadata' | 'baseDir' | 'compressor' | 'storage'>, context: PushContext): Promise<DepositionMetadata> {
  let metadata: DepositionMetadata = {};
  for (const provider of services.metadata) {
    metadata = await provider.provide(metadata, {
      image: { ...context.image!, name: context.ref!.name, tag: context.ref!.tag },
      baseDir: services.baseDir,
      templates: context.settings.templates,
      repository: context.settings.repository,
      archive: archiveOf(context.options.archiveFormat ?? DEFAULT_ARCHIVE_FORMAT, services.compressor),
    });
  }
  const problems = validateAgainst(schema, metadata, 'metadata', { unknown: 'not a deposition field Zenodo knows' });
  if (problems.length) throw errors.metadataInvalid(problems);
  // The storage's own schema (the invenio storage's RDM mapping), still before any request.
  services.storage.checkMetadata?.(metadata);
  return metadata;
}
