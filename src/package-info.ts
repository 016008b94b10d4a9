import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder, found from this file whether it runs from src/ or from dist/src/. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('donodo: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const packageRoot = findRoot();
const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string; homepage: string };

export const version = manifest.version;
export const homepage = manifest.homepage;
/** Sent with every HTTP request; Zenodo asks API clients for a descriptive User-Agent. */
export const userAgent = `donodo/${version} (+${homepage})`;

/** Where one of the package's JSON schemas is, in the installed package: what a user has to read. */
export function schemaFile(name: string): string {
  return path.join(packageRoot, 'schemas', name);
}

/** Read one of the package's JSON schemas (`schemas/<name>`). */
export function readSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(schemaFile(name), 'utf8')) as Record<string, unknown>;
}
