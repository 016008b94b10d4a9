/**
 * A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on a free loopback
 * port, with a generated configuration in a temporary folder, and one of three kinds of auth:
 * - `none`: anonymous pull and push;
 * - `basic`: htpasswd (bcrypt, made with `htpasswd -Bbn`);
 * - `token`: the registry's `auth: token`, with a small token issuer here that signs JWTs (ES256,
 *   the key of a self-signed certificate openssl makes at test time) and grants a user only the
 *   actions of the scope asked for that the user holds.
 * Images get in with skopeo (`skopeo copy docker-daemon:… docker://…`), as a user would put them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type RegistryAuth = 'none' | 'basic' | 'token';

/** Actions a user of the token issuer holds, per repository name (`*` for every repository). */
export type Grants = Record<string, Record<string, Array<'pull' | 'push' | 'delete' | '*'>>>;

export interface TestRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  auth: RegistryAuth;
  /** The user and password that auth accepts (`basic`, `token`); absent for `none`. */
  user?: string;
  password?: string;
  /** The registry's storage root (blobs under docker/registry/v2/blobs/sha256/…). */
  storage: string;
  /** Scopes the token issuer was asked for, with who asked (`''` anonymous), in order. */
  tokenRequests: Array<{ account: string; scopes: string[] }>;
  /** `--dest-creds`/`--src-creds` for skopeo, where auth needs them. */
  creds(): string[];
  /** Copy an image of the Docker engine into `repository:tag` (`oci`: as an OCI manifest, else Docker's v2 schema 2). */
  pushImage(image: string, target: string, options?: { format?: 'oci' | 'v2s2' }): Promise<void>;
  /** `skopeo inspect --raw` of `repository:tag` or `repository@digest`: the manifest bytes as served. */
  rawManifest(reference: string): Promise<Buffer>;
  /** The sha256 of the config blob skopeo reads (`skopeo inspect --config --raw`). */
  configDigest(reference: string): Promise<string>;
  /** A request to the registry's API with the test user's credentials (a token for the scope, under token auth). */
  request(method: string, pathname: string, options?: { body?: Buffer; headers?: Record<string, string>; scope?: string }): Promise<{ status: number; headers: Headers; body: Buffer }>;
  /** PUT a manifest (or index) under a tag or digest; returns its digest. */
  putManifest(repository: string, reference: string, body: Buffer, mediaType: string): Promise<string>;
  /** Upload a blob (monolithic: POST then PUT ?digest=); returns its digest. */
  putBlob(repository: string, body: Buffer): Promise<string>;
  /**
   * Make `repository:multi` a two-platform index (OCI) of `repository:amd64` as it is and a copy of
   * it whose config says `arm64`/`v8` (a new config blob, a manifest over the same layers), pushed
   * through the API; returns the digests of both manifests, both configs and the index.
   */
  twoPlatformIndex(repository: string, from: string, tag: string): Promise<{ index: string; manifests: [string, string]; configs: [string, string] }>;
  /** The file a blob is stored in. */
  blobFile(digest: string): string;
  stop(): Promise<void>;
}

export const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Start a registry of this kind of auth; `grants`: the token issuer's (default: the user may pull and push everything); `users`: more users it knows (token auth). */
export async function startRegistry(auth: RegistryAuth = 'none', options: { grants?: Grants; users?: Record<string, string>; address?: string } = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'donodo-registry-'));
  const storage = path.join(dir, 'storage');
  const user = auth === 'none' ? undefined : 'tester';
  const password = auth === 'none' ? undefined : randomBytes(12).toString('hex');
  const tokenRequests: TestRegistry['tokenRequests'] = [];
  let issuer: TokenIssuer | undefined;
  const lines = ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${storage}`, '  delete:', '    enabled: true'];
  if (auth === 'basic') {
    const { stdout } = await run('htpasswd', ['-Bbn', user!, password!]);
    await writeFile(path.join(dir, 'htpasswd'), stdout);
    lines.push('auth:', '  htpasswd:', '    realm: donodo-test', `    path: ${path.join(dir, 'htpasswd')}`);
  } else if (auth === 'token') {
    issuer = await startTokenIssuer(dir, { ...options.users, [user!]: password! }, options.grants ?? { [user!]: { '*': ['*'] } }, tokenRequests);
    lines.push('auth:', '  token:', `    realm: ${issuer.realm}`, `    service: ${issuer.service}`, `    issuer: ${issuer.issuer}`, `    rootcertbundle: ${issuer.certFile}`);
  }
  const port = await freePort();
  // Another address than loopback (this machine's own) stands for a registry elsewhere on plain http.
  const host = `${options.address ?? '127.0.0.1'}:${port}`;
  lines.push('http:', `  addr: ${host}`, `  secret: ${randomBytes(16).toString('hex')}`);
  const configFile = path.join(dir, 'config.yml');
  await writeFile(configFile, lines.join('\n') + '\n');
  const child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log = (log + d).slice(-4000)));
  // A test process that ends without stop() (a crash, a timeout) takes its registry with it.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  const exited = new Promise<Error>((resolve) => {
    child.once('error', (cause) => resolve(new Error(`docker-registry could not be started (${cause.message}): apt-get install docker-registry`)));
    child.once('exit', (code) => resolve(new Error(`docker-registry exited (${code}): ${log}`)));
  });
  const stop = async () => {
    await stopProcess(child);
    await issuer?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([answers(`http://${host}/v2/`, 30_000), exited.then((e) => Promise.reject(e))]);
  } catch (cause) {
    await stop();
    throw cause;
  }

  const creds = () => (user ? [`--creds=${user}:${password}`] : []);
  const skopeo = async (...args: string[]) => (await run('skopeo', args, { maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' })).stdout;
  const authorization = async (scope: string): Promise<Record<string, string>> => {
    if (auth === 'basic') return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
    if (auth === 'token') return { authorization: `Bearer ${await issuer!.tokenFor(user!, password!, [scope])}` };
    return {};
  };
  const request: TestRegistry['request'] = async (method, pathname, options = {}) => {
    const repository = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(pathname)?.[1] ?? '';
    const scope = options.scope ?? `repository:${repository}:pull,push`;
    const response = await fetch(`http://${host}${pathname}`, {
      method,
      headers: { ...(await authorization(scope)), ...options.headers },
      ...(options.body ? { body: options.body } : {}),
      redirect: 'manual',
    });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  };
  const registry: TestRegistry = {
    host,
    auth,
    ...(user ? { user, password } : {}),
    storage,
    tokenRequests,
    creds,
    async pushImage(image, target, { format = 'v2s2' } = {}) {
      const dest = user ? [`--dest-creds=${user}:${password}`] : [];
      await skopeo('copy', '--quiet', '--dest-tls-verify=false', ...dest, '--format', format, `docker-daemon:${image}`, `docker://${host}/${target}`);
    },
    rawManifest: (reference) => skopeo('inspect', '--raw', '--tls-verify=false', ...creds(), `docker://${host}/${reference}`),
    async configDigest(reference) {
      return sha256(await skopeo('inspect', '--config', '--raw', '--tls-verify=false', ...creds(), `docker://${host}/${reference}`));
    },
    request,
    async putManifest(repository, reference, body, mediaType) {
      const answer = await request('PUT', `/v2/${repository}/manifests/${reference}`, { body, headers: { 'content-type': mediaType } });
      if (answer.status !== 201) throw new Error(`PUT manifest ${repository}:${reference}: ${answer.status} ${answer.body.toString()}`);
      return answer.headers.get('docker-content-digest')!;
    },
    async putBlob(repository, body) {
      const digest = sha256(body);
      const started = await request('POST', `/v2/${repository}/blobs/uploads/`);
      if (started.status !== 202) throw new Error(`POST upload: ${started.status} ${started.body.toString()}`);
      const location = new URL(started.headers.get('location')!, `http://${host}`);
      location.searchParams.set('digest', digest);
      const put = await request('PUT', `${location.pathname}${location.search}`, { body, headers: { 'content-type': 'application/octet-stream' }, scope: `repository:${repository}:pull,push` });
      if (put.status !== 201) throw new Error(`PUT blob: ${put.status} ${put.body.toString()}`);
      return digest;
    },
    async twoPlatformIndex(repository, from, tag) {
      const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
      const amd64Bytes = await registry.rawManifest(`${repository}:${from}`);
      const amd64 = JSON.parse(amd64Bytes.toString());
      if (amd64.mediaType !== OCI_MANIFEST) throw new Error('twoPlatformIndex wants an OCI manifest (pushImage … { format: "oci" })');
      const config = JSON.parse((await request('GET', `/v2/${repository}/blobs/${amd64.config.digest}`)).body.toString());
      const armConfig = Buffer.from(JSON.stringify({ ...config, architecture: 'arm64', variant: 'v8' }));
      const armConfigDigest = await registry.putBlob(repository, armConfig);
      const armManifest = Buffer.from(JSON.stringify({ ...amd64, config: { ...amd64.config, digest: armConfigDigest, size: armConfig.length } }));
      const armDigest = await registry.putManifest(repository, sha256(armManifest), armManifest, OCI_MANIFEST);
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            { mediaType: OCI_MANIFEST, digest: sha256(amd64Bytes), size: amd64Bytes.length, platform: { architecture: 'amd64', os: 'linux' } },
            { mediaType: OCI_MANIFEST, digest: armDigest, size: armManifest.length, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
          ],
        }),
      );
      const indexDigest = await registry.putManifest(repository, tag, index, 'application/vnd.oci.image.index.v1+json');
      return { index: indexDigest, manifests: [sha256(amd64Bytes), armDigest], configs: [amd64.config.digest, armConfigDigest] };
    },
    blobFile: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return path.join(storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    },
    stop,
  };
  return registry;
}

interface TokenIssuer {
  realm: string;
  service: string;
  issuer: string;
  certFile: string;
  tokenFor(user: string, password: string, scopes: string[]): Promise<string>;
  close(): Promise<void>;
}

/**
 * The token issuer the registry sends clients to (`WWW-Authenticate: Bearer realm=…`): `GET
 * /token?service=…&scope=repository:NAME:ACTIONS[&scope=…]`, Basic credentials or none. A wrong
 * password is a 401; a user gets a token for the actions asked for that its grants hold, and none else.
 */
async function startTokenIssuer(dir: string, users: Record<string, string>, grants: Grants, seen: TestRegistry['tokenRequests']): Promise<TokenIssuer> {
  const keyFile = path.join(dir, 'token-key.pem');
  const certFile = path.join(dir, 'token-cert.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', keyFile, '-out', certFile, '-subj', '/CN=donodo test token issuer',
  ]);
  const key = await readFile(keyFile, 'utf8');
  const der = new X509Certificate(await readFile(certFile)).raw.toString('base64');
  const service = 'donodo-test-registry';
  const issuerName = 'donodo-test-issuer';
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const mint = (account: string, scopes: string[]): string => {
    const held = grants[account] ?? {};
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = [scope.slice(0, scope.indexOf(':')), scope.slice(scope.indexOf(':') + 1, scope.lastIndexOf(':')), scope.slice(scope.lastIndexOf(':') + 1)];
      const allowed = [...(held[name] ?? []), ...(held['*'] ?? [])];
      const granted = actions.split(',').filter((action) => allowed.includes('*') || allowed.includes(action as 'pull'));
      return type === 'repository' && granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64({ alg: 'ES256', typ: 'JWT', x5c: [der] });
    const claims = b64({ iss: issuerName, sub: account, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access });
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return `${header}.${claims}.${signature}`;
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const scopes = url.searchParams.getAll('scope').flatMap((scope) => scope.split(' ')).filter(Boolean);
    let account = '';
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (basic) {
      const text = Buffer.from(basic, 'base64').toString();
      const [name, secret] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
      if (users[name] === undefined || users[name] !== secret) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'wrong user or password' }));
        return;
      }
      account = name;
    }
    seen.push({ account, scopes });
    if (url.pathname !== '/token' || url.searchParams.get('service') !== service) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'unknown service' }));
      return;
    }
    const token = mint(account, scopes);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer: issuerName,
    certFile,
    async tokenFor(user, password, scopes) {
      if (users[user] !== password) throw new Error('wrong password');
      return mint(user, scopes);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Wait until the URL answers at all (any status: a registry with auth answers /v2/ with 401). */
async function answers(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      () => true,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}
