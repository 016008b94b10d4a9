import { errors } from '../../errors/catalogue.ts';
import { parseImageRef } from '../../image-ref.ts';
import type { Step } from '../../pipeline/step.ts';
import { recordedName, recordName, wantedName, type PullContext } from './pull-context.ts';

/**
 * Give the verified image the name the record gives it (`docker-image-name`) or the one asked for
 * (--name), and the archive's own names only when asked (--archive-tags) or when the record names none. Every tag that moves is
 * reported with where it pointed before, as `docker load` does.
 */
export const tagImage: Step<PullContext, never> = {
  id: 'tag',
  title: 'Tag the image',
  uses: [],
  enabled: (context) => !context.writer,
  async run(context) {
    const named = wantedName(context);
    if (named) checkName(named, recordName(context.record!));
    // Under another name (--name), the record's own is not reported as one the record does not name;
    // nor is it as Podman writes it into its exports (`localhost/NAME:TAG` for an unqualified NAME).
    const own = [named, recordedName(context.expected)].filter((name): name is string => Boolean(name));
    const archive = (context.archiveNames ?? []).filter((name) => !own.some((mine) => name === mine || name === `localhost/${mine}`));
    const wanted = named ? [named, ...(context.options.archiveTags ? archive : [])] : archive;
    context.ignoredNames = archive.filter((name) => !wanted.includes(name));
    context.tags = [];
    for (const reference of wanted) {
      checkName(reference, recordName(context.record!));
      context.tags.push(await context.transaction!.setTag(context.imageId!, reference));
    }
    // After the wanted tags: an engine that named the image by itself may have given it only these.
    for (const reference of context.ignoredNames) await context.transaction!.putBack(reference);
  },
};

/** A name from a record or an archive is data from elsewhere: it must be a plain NAME:TAG. */
function checkName(reference: string, record: string): void {
  let ok = false;
  try {
    const ref = parseImageRef(reference);
    ok = Boolean(ref.tag) && !ref.digest;
  } catch {
    ok = false;
  }
  if (!ok) throw errors.recordNameInvalid(record, reference);
}
