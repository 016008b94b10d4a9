import { HTTP_OPTION_PROPERTIES, httpFor, resolveEndpoint, type DonodoPlugin, type HttpOptions } from '../../src/plugin-api.ts';
import { ZenodoStorage } from './zenodo-storage.ts';

export interface ZenodoOptions extends HttpOptions {
  url?: string;
  sandbox?: boolean;
}

/** Zenodo (zenodo.org, the sandbox, or any Zenodo-compatible API): DOIs for every version. */
const plugin: DonodoPlugin<'storage', ZenodoOptions> = {
  kind: 'storage',
  name: 'zenodo',
  description: 'Zenodo: published, versioned records with DOIs (token in ZENODO_TOKEN)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      url: {
        type: 'string',
        format: 'uri',
        description:
          'API base of a Zenodo-compatible service, e.g. http://127.0.0.1:5000/api. Default: https://zenodo.org/api. From a configuration file, a host other than zenodo.org and sandbox.zenodo.org needs --trust-config-url (or DONODO_TRUST_CONFIG_URL=1); plain http only to this machine.',
      },
      sandbox: { type: 'boolean', default: false, description: 'Use https://sandbox.zenodo.org/api and prefer ZENODO_SANDBOX_TOKEN.' },
      ...HTTP_OPTION_PROPERTIES,
    },
  },
  cliOptions: [
    { flags: '--sandbox', option: 'sandbox', description: 'use sandbox.zenodo.org (token: ZENODO_SANDBOX_TOKEN, else ZENODO_TOKEN)' },
    { flags: '--zenodo-url <url>', option: 'url', description: 'API base of a Zenodo-compatible service (or DONODO_ZENODO_URL); https, or http to this machine' },
  ],
  create(options, deps) {
    return new ZenodoStorage(httpFor(resolveEndpoint(options, deps.env, deps.optionSources), options, deps));
  },
};

export default plugin;
