import type { Step } from '../../pipeline/step.ts';
import { destinationOf } from '../../transports/capabilities.ts';
import { parseImageLocation } from '../../transports/image-location.ts';
import { EngineTransaction } from './engine-transaction.ts';
import { wantedName, type PullContext } from './pull-context.ts';

/**
 * Before a byte is downloaded: an engine must answer, and what it holds now is noted (to put it
 * back on failure); an archive destination must be free, and is written under a temporary name.
 */
export const openDestination: Step<PullContext, 'imagesAt'> = {
  id: 'destination',
  title: 'Check the destination',
  uses: ['imagesAt'],
  async run(context, { services }) {
    const location = parseImageLocation(context.options.destination ?? '', { destination: true });
    // `docker-daemon:NAME:TAG` names the image as --name does.
    if (!location.defaulted && location.reference && !['oci', 'oci-archive', 'docker'].includes(location.transport)) context.options.name ??= location.reference;
    const destination = destinationOf(await services.imagesAt(location), location);
    if ('engine' in destination) context.transaction = await EngineTransaction.begin(destination.engine);
    else context.writer = await destination.archive.open(location, { name: wantedName(context), id: context.expected?.config, ...(context.expected?.source ? { source: context.expected.source } : {}) });
  },
};
