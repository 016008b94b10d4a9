import { describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../../src/http/zenodo/endpoint.ts';
import type { OptionSource } from '../../../src/plugin-api.ts';

const flag = (name: string): OptionSource => ({ from: 'flag', flag: name });
const file = (trusted = false): OptionSource => ({ from: 'config', file: '/project/donodo.config.json', setting: 'storage.options', trusted });

describe('which Zenodo the token goes to', () => {
  it('takes --zenodo-url, then --sandbox, then DONODO_ZENODO_URL, then the configuration, then the default', () => {
    const env = { DONODO_ZENODO_URL: 'http://127.0.0.1:5001/api' };
    const configured = { url: 'https://zenodo.org/api', sandbox: true };
    expect(resolveEndpoint({ ...configured, url: 'http://127.0.0.1:5000/api' }, env, { url: flag('--zenodo-url'), sandbox: file() }).api).toBe('http://127.0.0.1:5000/api');
    expect(resolveEndpoint(configured, env, { url: file(), sandbox: flag('--sandbox') }).api).toBe('https://sandbox.zenodo.org/api');
    expect(resolveEndpoint(configured, env, { url: file(), sandbox: file() }).api).toBe('http://127.0.0.1:5001/api');
    expect(resolveEndpoint({ url: 'https://zenodo.org/api' }, {}, { url: file() }).api).toBe('https://zenodo.org/api');
    expect(resolveEndpoint({ sandbox: true }, {}, { sandbox: file() }).api).toBe('https://sandbox.zenodo.org/api');
    expect(resolveEndpoint({}, {}, {}).api).toBe('https://zenodo.org/api');
  });

  it('honours a configuration file\'s other host only with consent, and zenodo.org or its sandbox without', () => {
    expect(() => resolveEndpoint({ url: 'https://zenodo.example.org/api' }, {}, { url: file() })).toThrow(expect.objectContaining({ code: 'ZENODO_URL_UNTRUSTED' }));
    expect(() => resolveEndpoint({ url: 'https://zenodo.org:8443/api' }, {}, { url: file() })).toThrow(expect.objectContaining({ code: 'ZENODO_URL_UNTRUSTED' }));
    expect(resolveEndpoint({ url: 'https://zenodo.example.org/api' }, {}, { url: file(true) }).api).toBe('https://zenodo.example.org/api');
    expect(resolveEndpoint({ url: 'https://sandbox.zenodo.org/api' }, {}, { url: file() }).sandbox).toBe(true);
  });

  it('allows plain http to this machine only: 127.0.0.0/8, ::1 and localhost', () => {
    for (const url of ['http://127.0.0.1:5000/api', 'http://127.1.2.3/api', 'http://[::1]:5000/api', 'http://localhost:5000/api']) {
      expect(resolveEndpoint({ url }, {}, { url: flag('--zenodo-url') }).api).toBe(url);
    }
    for (const url of ['http://10.0.0.1/api', 'http://zenodo.org/api', 'http://localhost.example.org/api', 'http://[::2]/api']) {
      expect(() => resolveEndpoint({ url }, {}, { url: flag('--zenodo-url') })).toThrow(expect.objectContaining({ code: 'ZENODO_URL_INSECURE' }));
      expect(() => resolveEndpoint({ url }, {}, { url: file(true) })).toThrow(expect.objectContaining({ code: 'ZENODO_URL_INSECURE' }));
    }
  });
});
