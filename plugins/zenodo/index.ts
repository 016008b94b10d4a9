import { resolveEndpoint, ZenodoHttp, type DonodoPlugin } from '../../src/plugin-api.ts';
import { ZenodoStorage } from './zenodo-storage.ts';

export interface ZenodoOptions {
  url?: string;
  sandbox?: boolean;
  retries?: number;
  timeoutSeconds?: number;
  idleTimeoutSeconds?: number;
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
      retries: { type: 'integer', minimum: 0, maximum: 20, default: 5, description: 'Retries of a failed request (429, 5xx, timeouts, dropped connections).' },
      timeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 60, description: 'Time to wait for an answer to an API call (not for transfers).' },
      idleTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 120, description: 'Give up an upload or download attempt when no byte has moved for this long (transfers have no overall timeout).' },
    },
  },
  cliOptions: [
    { flags: '--sandbox', option: 'sandbox', description: 'use sandbox.zenodo.org (token: ZENODO_SANDBOX_TOKEN, else ZENODO_TOKEN)' },
    { flags: '--zenodo-url <url>', option: 'url', description: 'API base of a Zenodo-compatible service (or DONODO_ZENODO_URL); https, or http to this machine' },
  ],
  create(options, deps) {
    const endpoint = resolveEndpoint(options, deps.env, deps.optionSources);
    if (endpoint.token) deps.addSecret(endpoint.token);
    const http = new ZenodoHttp(endpoint, {
      userAgent: deps.userAgent,
      logger: deps.logger,
      retries: options.retries ?? 5,
      timeoutMs: (options.timeoutSeconds ?? 60) * 1000,
      idleTimeoutMs: (options.idleTimeoutSeconds ?? 120) * 1000,
    });
    return new ZenodoStorage(http);
  },
};

export default plugin;
