/**
 * The action's inputs as the runner hands them to a program: `INPUT_<NAME>`, the name upper-cased
 * with spaces as underscores and hyphens kept (`auto-publish` → `INPUT_AUTO-PUBLISH`), as a node
 * action gets them and as action.yml passes them to this entry.
 */
export interface ActionInputs {
  images: string[];
  all: boolean;
  shard?: string;
  config?: string;
  storage?: string;
  zenodoUrl?: string;
  dir?: string;
  sandbox: boolean;
  templates: string[];
  autoPublish: boolean;
  dryRun: boolean;
  lockFile?: string;
  mergeLocks: string[];
  token?: string;
}

/** An input that is not what the action accepts: named, with what it should be. */
export class InputError extends Error {}

type Env = Record<string, string | undefined>;

export function readInputs(env: Env): ActionInputs {
  const text = (name: string) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`]?.trim() || undefined;
  const flag = (name: string) => {
    const value = text(name);
    if (value === undefined) return false;
    // What YAML 1.2's core schema calls true and false, as @actions/core's getBooleanInput.
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw new InputError(`Input "${name}" is "${value}"; it takes true or false.`);
  };
  /** One value per line; `words` also splits lines at spaces (image references hold none). */
  const list = (name: string, words: boolean) =>
    (text(name) ?? '')
      .split(words ? /\s+/ : /\r?\n/)
      .map((item) => item.trim())
      .filter(Boolean);
  const inputs: ActionInputs = {
    images: list('images', true),
    all: flag('all'),
    shard: text('shard'),
    config: text('config'),
    storage: text('storage'),
    zenodoUrl: text('zenodo-url'),
    dir: text('dir'),
    sandbox: flag('sandbox'),
    templates: list('templates', false),
    autoPublish: flag('auto-publish'),
    dryRun: flag('dry-run'),
    lockFile: text('lock-file'),
    mergeLocks: list('merge-locks', true),
    token: text('token'),
  };
  if (inputs.mergeLocks.length && (inputs.images.length || inputs.all)) {
    throw new InputError('Input "merge-locks" merges lock files and pushes nothing; give it without "images" and "all" (a step of its own).');
  }
  if (!inputs.mergeLocks.length && !inputs.images.length && !inputs.all) {
    throw new InputError('Give the images to archive in input "images" (NAME:TAG, one per line or separated by spaces), or set "all: true" for the configuration\'s "images".');
  }
  return inputs;
}
