import type { Draft } from '../../archiving/version-request.ts';
import type { ArchivedRecord } from '../../contracts/storage-backend.ts';
import { errors } from '../../errors/catalogue.ts';
import { isImageArchiveKey } from '../../image-file.ts';
import type { Step } from '../../pipeline/step.ts';
import { identityOf, imageOf, type PushContext } from './push-context.ts';
import { recordInLock, refuseOtherTag, skipWhenUnchanged } from './locate-version.ts';
import { holdsSpool } from './spool-file.ts';

/**
 * Create, resume or version the draft that `locate` found, remove the image files it holds that are
 * not this very archive, and write the full metadata into it. A new draft is written to the lock
 * file the moment it exists: a run killed right after resumes it rather than make another.
 */
export const openDraft: Step<PushContext, 'storage'> = {
  id: 'draft',
  title: 'Prepare the draft',
  uses: ['storage'],
  skip: skipWhenUnchanged,
  async run(context, { services }) {
    const storage = services.storage;
    const spool = context.spool!;
    const located = context.located!;
    const identity = identityOf(context);
    // Before any draft exists: a storage that cannot hold the archive says so now.
    storage.checkFile?.(spool.key, spool.size);
    let record: ArchivedRecord;
    let action: Draft['action'];
    const remember = async (made: ArchivedRecord) => {
      context.record = made;
      await recordInLock(context, storage.location);
    };
    if (located.kind === 'new') {
      // Made with its metadata in one call, so no untitled draft can be left behind.
      record = await storage.createDraft(context.metadata!, identity);
      action = 'created';
      await remember(record);
    } else if (located.kind === 'draft') {
      // What was located may be out of date (search lags): the draft is read again before it changes.
      const current = await storage.read(located.record.recordId);
      if (!current) throw errors.draftVanished(imageOf(context), located.record);
      if (current.published) throw errors.publishedMeanwhile(imageOf(context), current, undefined);
      refuseOtherTag(context, current);
      record = current;
      action = 'resumed';
    } else if (located.kind === 'new-version') {
      record = await storage.newVersion(located.concept);
      // A storage may hand back the concept's pending draft (Zenodo does), maybe another tag's.
      refuseOtherTag(context, record);
      action = 'new-version';
      await remember(record);
    } else {
      throw new Error(`openDraft reached for ${imageOf(context)}, which is published already`);
    }
    // A resumed draft may already hold this very archive: keep it rather than upload it again.
    const keep = action === 'resumed' && !context.options.forceUpload ? record.files.find((f) => holdsSpool(f, spool)) : undefined;
    const stale = record.files.filter((f) => isImageArchiveKey(f.key) && f !== keep);
    for (const file of stale) await storage.deleteFile(record, file);
    if (action !== 'created' || record.files.length) {
      // All metadata, replacing what was there: a new-version draft loses version and publication_date.
      record = await storage.writeMetadata(stale.length ? { ...record, files: record.files.filter((f) => !stale.includes(f)) } : record, context.metadata!, identity);
    }
    context.draft = { record, action };
    await remember(record);
  },
};
