import { describe, expect, it } from 'vitest';
import { resolveEndpoint } from '../../../src/http/zenodo/endpoint.ts';
import { parsePullReference, zenodoIdOf } from '../../../plugins/zenodo/pull-reference.ts';

const production = resolveEndpoint({}, {});
const sandbox = resolveEndpoint({ sandbox: true }, {});
const local = resolveEndpoint({ url: 'http://127.0.0.1:5123/api' }, {});

describe('pull references', () => {
  it.each([
    ['10.5281/zenodo.123', { kind: 'doi', doi: '10.5281/zenodo.123' }],
    ['doi:10.5281/zenodo.123', { kind: 'doi', doi: '10.5281/zenodo.123' }],
    ['https://doi.org/10.5281/zenodo.123', { kind: 'doi', doi: '10.5281/zenodo.123' }],
    ['https://dx.doi.org/10.5281/zenodo.123', { kind: 'doi', doi: '10.5281/zenodo.123' }],
    ['https://zenodo.org/record/123', { kind: 'id', id: '123' }],
    ['https://zenodo.org/records/123', { kind: 'id', id: '123' }],
    ['https://zenodo.org/records/123/files/image.tar.gz?download=1', { kind: 'id', id: '123' }],
    ['https://zenodo.org/api/records/123', { kind: 'id', id: '123' }],
    ['https://zenodo.org/doi/10.5281/zenodo.122', { kind: 'doi', doi: '10.5281/zenodo.122' }],
    ['https://www.zenodo.org/records/9', { kind: 'id', id: '9' }],
    ['123', { kind: 'id', id: '123' }],
  ])('understands %s on zenodo.org', (input, expected) => {
    expect(parsePullReference(input, production)).toEqual(expected);
  });

  it('understands sandbox links and DOIs with --sandbox', () => {
    expect(parsePullReference('https://sandbox.zenodo.org/records/77', sandbox)).toEqual({ kind: 'id', id: '77' });
    expect(parsePullReference('10.5072/zenodo.77', sandbox)).toEqual({ kind: 'doi', doi: '10.5072/zenodo.77' });
  });

  it('understands links to a Zenodo-compatible service given with --zenodo-url', () => {
    expect(parsePullReference('http://127.0.0.1:5123/records/5', local)).toEqual({ kind: 'id', id: '5' });
  });

  it('refuses a link to another host and says which flag to use', () => {
    expect(() => parsePullReference('https://sandbox.zenodo.org/records/77', production)).toThrow(
      expect.objectContaining({ code: 'PULL_REFERENCE_OTHER_HOST', hint: expect.stringContaining('--sandbox') }),
    );
  });

  it.each([['not a doi'], ['https://zenodo.org/communities/x'], ['10.5281']])('refuses %j with examples of what works', (input) => {
    expect(() => parsePullReference(input, production)).toThrow(expect.objectContaining({ code: 'PULL_REFERENCE_INVALID', hint: expect.stringContaining('10.5281/zenodo.123') }));
  });

  it('reads the record id out of Zenodo DOIs only', () => {
    expect(zenodoIdOf('10.5281/zenodo.42')).toBe('42');
    expect(zenodoIdOf('10.5072/zenodo.42')).toBe('42');
    expect(zenodoIdOf('10.1234/other.42')).toBeUndefined();
  });
});

describe('the Zenodo endpoint', () => {
  it('uses zenodo.org by default and the sandbox with its own DOI prefix', () => {
    expect(production).toMatchObject({ api: 'https://zenodo.org/api', doiPrefix: '10.5281', sandbox: false });
    expect(sandbox).toMatchObject({ api: 'https://sandbox.zenodo.org/api', doiPrefix: '10.5072', sandbox: true });
  });

  it('prefers ZENODO_SANDBOX_TOKEN on the sandbox and ZENODO_TOKEN elsewhere', () => {
    const env = { ZENODO_TOKEN: 'prod-token', ZENODO_SANDBOX_TOKEN: 'sandbox-token' };
    expect(resolveEndpoint({ sandbox: true }, env)).toMatchObject({ token: 'sandbox-token', tokenSource: 'ZENODO_SANDBOX_TOKEN' });
    expect(resolveEndpoint({}, env)).toMatchObject({ token: 'prod-token', tokenSource: 'ZENODO_TOKEN' });
    expect(resolveEndpoint({ sandbox: true }, { ZENODO_TOKEN: 'prod-token' })).toMatchObject({ token: 'prod-token' });
  });

  it('refuses a URL that carries credentials or a query, where a token could leak', () => {
    expect(() => resolveEndpoint({ url: 'https://user:pw@zenodo.org/api' }, {})).toThrow(expect.objectContaining({ code: 'ZENODO_URL_INVALID' }));
    expect(() => resolveEndpoint({ url: 'https://zenodo.org/api?access_token=x' }, {})).toThrow(expect.objectContaining({ code: 'ZENODO_URL_INVALID' }));
    expect(() => resolveEndpoint({ url: 'ftp://zenodo.org' }, {})).toThrow(expect.objectContaining({ code: 'ZENODO_URL_INVALID' }));
  });
});
