import type { ActionInputs } from './inputs.ts';

/**
 * The donodo command line for the inputs: options as `--flag=value` (a value may start with "-"),
 * images after `--`. The token is never on it: it goes into the child's environment.
 */
export function commandLine(inputs: ActionInputs, mergeFiles: string[]): string[] {
  const global = [...(inputs.config ? [`--config=${inputs.config}`] : []), '--json'];
  if (inputs.mergeLocks.length) {
    return [...global, 'lock', 'merge', ...(inputs.lockFile ? [`--output=${inputs.lockFile}`] : []), '--', ...mergeFiles];
  }
  return [
    ...global,
    'push',
    ...(inputs.storage ? [`--storage=${inputs.storage}`] : []),
    ...(inputs.zenodoUrl ? [`--zenodo-url=${inputs.zenodoUrl}`] : []),
    ...(inputs.dir ? [`--dir=${inputs.dir}`] : []),
    ...(inputs.sandbox ? ['--sandbox'] : []),
    ...inputs.templates.map((template) => `--templates=${template}`),
    ...(inputs.all ? ['--all'] : []),
    ...(inputs.shard ? [`--shard=${inputs.shard}`] : []),
    ...(inputs.autoPublish ? ['--auto-publish'] : []),
    ...(inputs.dryRun ? ['--dry-run'] : []),
    ...(inputs.lockFile ? [`--lock-file=${inputs.lockFile}`] : []),
    '--',
    ...inputs.images,
  ];
}

/** The child's environment: the runner's, the token under the names donodo reads, no INPUT_*. */
export function childEnvironment(inputs: ActionInputs, env: Record<string, string | undefined>): Record<string, string> {
  const child = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('INPUT_')));
  if (inputs.token) {
    child.ZENODO_TOKEN = inputs.token;
    if (inputs.sandbox) child.ZENODO_SANDBOX_TOKEN = inputs.token;
  }
  return child;
}
