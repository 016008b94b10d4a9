import { parseDonodoNotes } from '../../donodo-notes.ts';
import type { Services } from '../../services.ts';
import type { PullContext } from './pull-context.ts';

/**
 * Before loading, note which image the record's name:tag points to locally (if any), so that a
 * load that fails its checks can be taken back completely: the loaded tags are removed and the
 * earlier image gets its tag back.
 */
export async function rememberTag(services: Services, context: PullContext): Promise<void> {
  const reference = parseDonodoNotes(context.record!.metadata.notes).imageName;
  if (!reference) return;
  const before = await services.source.inspect(reference).catch(() => undefined);
  if (before) context.previous = { reference, id: before.id };
}

export async function undoLoad(services: Services, context: PullContext, references: readonly string[]): Promise<void> {
  for (const reference of references) await services.source.remove(reference).catch(() => undefined);
  const previous = context.previous;
  if (previous) await services.source.tag(previous.id, previous.reference).catch(() => undefined);
}
