import type { Step } from './pipeline/step.ts';
import { awaitTurn, relocateVersion } from './steps/push/await-turn.ts';
import { confirmUpload } from './steps/push/confirm-upload.ts';
import { exportImage } from './steps/push/export-image.ts';
import { locateVersion } from './steps/push/locate-version.ts';
import { openDraft } from './steps/push/open-draft.ts';
import { publishDraft } from './steps/push/publish-draft.ts';
import type { PushContext } from './steps/push/push-context.ts';
import { renderMetadata } from './steps/push/render-metadata.ts';
import { resolveImage } from './steps/push/resolve-image.ts';
import { uploadArchive } from './steps/push/upload-archive.ts';
import { commitArchive } from './steps/pull/commit-archive.ts';
import { loadImage } from './steps/pull/load-image.ts';
import { openDestination } from './steps/pull/open-destination.ts';
import { locateFile } from './steps/pull/locate-file.ts';
import type { PullContext } from './steps/pull/pull-context.ts';
import { resolveRecord } from './steps/pull/resolve-record.ts';
import { tagImage } from './steps/pull/tag-image.ts';
import { verifyImage } from './steps/pull/verify-image.ts';
import { checkArchive } from './steps/verify/check-archive.ts';

/**
 * push: everything a user can get wrong is checked (resolve, render) and what exists is found
 * (locate) before the first write; the archive is made once (export) and only then does storage
 * change (draft, upload, confirm, publish). In a batch, the next tag of a name is exported while
 * the previous one uploads, and waits its turn (queue) before it looks again (relocate) and writes.
 */
export const pushPipeline: readonly Step<PushContext>[] = [
  resolveImage,
  renderMetadata,
  locateVersion,
  exportImage,
  awaitTurn,
  relocateVersion,
  openDraft,
  uploadArchive,
  confirmUpload,
  publishDraft,
];

/** push --dry-run: what push would do, with no write anywhere. */
export const planPipeline: readonly Step<PushContext>[] = [resolveImage, renderMetadata, locateVersion];

/**
 * pull: find the record and its archive; check the destination (an engine: note what it holds; an
 * archive file: free, written under a temporary name); stream the archive in, nameless, letting its end through only when the bytes match; check the image; only
 * then tag it (or rename the file into place). A failure anywhere undoes it all (run.ts).
 */
export const pullPipeline: readonly Step<PullContext>[] = [resolveRecord, locateFile, openDestination, loadImage, verifyImage, tagImage, commitArchive];

/** verify: the pull's reading and checking of the archive, without a destination (nothing loaded, nothing written). */
export const verifyPipeline: readonly Step<PullContext>[] = [resolveRecord, locateFile, checkArchive, verifyImage];
