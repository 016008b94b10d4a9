import { HTTP_OPTION_PROPERTIES, httpFor, resolveEndpoint, type DonodoPlugin, type HttpOptions } from '../../src/plugin-api.ts';
import { InvenioStorage } from './invenio-storage.ts';
import { NativeApi } from './native-api.ts';

export interface InvenioOptions extends HttpOptions {
  url?: string;
  zenodo?: boolean;
}

const ZENODO_HOSTS = ['zenodo.org', 'sandbox.zenodo.org'];

/**
 * InvenioRDM's native API: Zenodo (its own API under the legacy one, the default) or any InvenioRDM
 * repository (`--invenio-url`), whose DOI prefix is whatever the instance mints.
 */
const plugin: DonodoPlugin<'storage', InvenioOptions> = {
  kind: 'storage',
  name: 'invenio',
  description: 'InvenioRDM native API: Zenodo or any InvenioRDM repository (token in ZENODO_TOKEN on Zenodo, else INVENIO_TOKEN)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: {
        type: 'string',
        format: 'uri',
        description:
          'API base of the InvenioRDM repository, e.g. https://data.caltech.edu/api. Default: https://zenodo.org/api. From a configuration file, a host other than zenodo.org and sandbox.zenodo.org needs --trust-config-url; plain http only to this machine.',
      },
      zenodo: {
        type: 'boolean',
        description: 'The repository is Zenodo (publisher required, notes kept as a "notes" description, ZENODO_TOKEN). Default: true for zenodo.org and sandbox.zenodo.org, else false.',
      },
      ...HTTP_OPTION_PROPERTIES,
    },
  },
  cliOptions: [
    { flags: '--invenio-url <url>', option: 'url', description: 'API base of an InvenioRDM repository (or DONODO_INVENIO_URL); https, or http to this machine' },
    { flags: '--invenio-zenodo', option: 'zenodo', description: 'the InvenioRDM repository is Zenodo (e.g. a local emulator of it)' },
  ],
  create(options, deps) {
    const url = options.url ?? deps.env.DONODO_INVENIO_URL?.trim() ?? undefined;
    const host = url ? safeHost(url) : 'zenodo.org';
    const zenodo = options.zenodo ?? ZENODO_HOSTS.includes(host);
    const sandbox = host === 'sandbox.zenodo.org';
    const tokenSource = !zenodo ? 'INVENIO_TOKEN' : sandbox && deps.env.ZENODO_SANDBOX_TOKEN ? 'ZENODO_SANDBOX_TOKEN' : 'ZENODO_TOKEN';
    // The endpoint rules of the zenodo storage (https, plain http only to this machine, a configuration's
    // host needs consent); the token comes from this repository's own variable.
    const endpoint = {
      ...resolveEndpoint({ url }, { ...deps.env, DONODO_ZENODO_URL: undefined, ZENODO_TOKEN: deps.env[tokenSource] }, deps.optionSources),
      tokenSource,
    };
    return new InvenioStorage(new NativeApi(httpFor(endpoint, options, deps)), { zenodo });
  },
};

function safeHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

export default plugin;
