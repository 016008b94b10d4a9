import type { PluginDeps } from '../../contracts/plugin.ts';
import type { Endpoint } from './endpoint.ts';
import { ZenodoHttp } from './zenodo-http.ts';

/** The HTTP options of the Zenodo and InvenioRDM storages. */
export interface HttpOptions {
  retries?: number;
  timeoutSeconds?: number;
  idleTimeoutSeconds?: number;
}

/** Their JSON Schema properties, for a storage plugin's `optionsSchema`. */
export const HTTP_OPTION_PROPERTIES = {
  retries: { type: 'integer', minimum: 0, maximum: 20, default: 5, description: 'Retries of a failed request (429, 5xx, timeouts, dropped connections).' },
  timeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 60, description: 'Time to wait for an answer to an API call (not for transfers).' },
  idleTimeoutSeconds: { type: 'number', exclusiveMinimum: 0, default: 120, description: 'Give up an upload or download attempt when no byte has moved for this long (transfers have no overall timeout).' },
} as const;

/** The HTTP client of an endpoint with these options; the token becomes a secret that output masks. */
export function httpFor(endpoint: Endpoint, options: HttpOptions, deps: Pick<PluginDeps, 'userAgent' | 'logger' | 'addSecret'>): ZenodoHttp {
  if (endpoint.token) deps.addSecret(endpoint.token);
  return new ZenodoHttp(endpoint, {
    userAgent: deps.userAgent,
    logger: deps.logger,
    retries: options.retries ?? 5,
    timeoutMs: (options.timeoutSeconds ?? 60) * 1000,
    idleTimeoutMs: (options.idleTimeoutSeconds ?? 120) * 1000,
  });
}
