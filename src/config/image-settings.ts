import picomatch from 'picomatch';
import type { LoadedTemplate, TemplateLoader } from '../metadata/template-loader.ts';
import type { LoadedConfig, RepositorySetting } from './config.ts';

/** What the configuration says about one image name. */
export interface ImageSettings {
  /** The `repositories` key that matched, if any. */
  repository?: string;
  /** Templates that apply, lowest precedence first: defaults, repository, then --templates. */
  templates: LoadedTemplate[];
  conceptRecId?: string;
  storageOptions?: Record<string, unknown>;
}

/** The `repositories` entry for a name: an exact key wins; else the first glob that matches. */
export function matchRepository(name: string, repositories: Record<string, RepositorySetting> = {}): [string, RepositorySetting] | undefined {
  if (Object.hasOwn(repositories, name)) return [name, repositories[name]!];
  return Object.entries(repositories).find(([pattern]) => picomatch.isMatch(name, pattern, { dot: true }));
}

export async function imageSettings(name: string, loaded: LoadedConfig, loader: TemplateLoader, cliTemplates: LoadedTemplate[]): Promise<ImageSettings> {
  const match = matchRepository(name, loaded.config.repositories);
  const [key, repository] = match ?? [undefined, undefined];
  return {
    repository: key,
    templates: [
      ...(await loader.load(loaded.config.defaults?.templates, loaded.baseDir, 'defaults.templates')),
      ...(await loader.load(repository?.templates, loaded.baseDir, `repositories["${key}"].templates`)),
      ...cliTemplates,
    ],
    conceptRecId: repository?.conceptrecid,
    storageOptions: repository?.storage?.options,
  };
}
