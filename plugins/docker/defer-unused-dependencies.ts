/**
 * dockerode requires, as it loads, two stacks that donodo uses only in cases it rarely meets:
 * ssh2 (through docker-modem, for DOCKER_HOST=ssh://…) and gRPC with protobufjs (for BuildKit
 * sessions, which donodo never opens). Measured with Node 24, loading them costs 17 MB of resident
 * memory in every run (dockerode alone: 76 MB, with these deferred: 59 MB).
 *
 * Importing this module first puts a stand-in for each in the CommonJS module cache, where
 * dockerode's `require` finds it. A stand-in loads the real module the first time anything of it is
 * used (a property read, a call, `new`), so an ssh:// engine still works. Only the copies that
 * dockerode and docker-modem would load are replaced; a module missing from the install is left
 * alone, and dockerode then fails to load exactly as it would have.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Each deferred module, with the package whose `require` would load it. */
const DEFERRED: Array<[module: string, requiredBy: string]> = [
  ['ssh2', 'docker-modem'],
  ['@grpc/grpc-js', 'dockerode'],
  ['@grpc/proto-loader', 'dockerode'],
  ['protobufjs', 'dockerode'],
];

for (const [name, requiredBy] of DEFERRED) {
  let file: string;
  try {
    file = createRequire(require.resolve(requiredBy)).resolve(name);
  } catch {
    continue;
  }
  if (require.cache[file]) continue;
  require.cache[file] = { id: file, filename: file, loaded: true, exports: standIn(file), children: [], paths: [] } as unknown as NodeJS.Module;
}

/** An object whose members load the module at `file` when first used. */
function standIn(file: string): object {
  let real: Record<PropertyKey, unknown> | undefined;
  const load = (): Record<PropertyKey, unknown> => {
    if (!real) {
      delete require.cache[file]; // the stand-in steps aside for the real module
      real = require(file) as Record<PropertyKey, unknown>;
    }
    return real;
  };
  // Members are read when dockerode loads (`require('ssh2').Client`) but used later: hand out a
  // forwarder for each, which loads the module only when it is called, constructed or read from.
  const member = (key: PropertyKey) =>
    new Proxy(function deferred() {}, {
      get: (_, property) => Reflect.get(load()[key] as object, property),
      apply: (_, self, args) => Reflect.apply(load()[key] as (...a: unknown[]) => unknown, self, args),
      construct: (_, args) => Reflect.construct(load()[key] as new (...a: unknown[]) => object, args),
    });
  return new Proxy({}, { get: (_, key) => (real ? real[key] : member(key)) });
}
