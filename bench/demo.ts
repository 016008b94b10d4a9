/**
 * The whole job on the embedded default storage, as the README shows it: build a tiny image
 * FROM scratch, archive it into a local folder, remove it from Docker, restore it, run it.
 * Needs only a running Docker engine.  Usage: npm run demo [-- ARCHIVE_DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestImage, removeImages } from '../test/support/images.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const archive = path.resolve(process.argv[2] ?? mkdtempSync(path.join(os.tmpdir(), 'donodo-demo-')));
const image = 'demo/tiny:1.0';

function donodo(...args: string[]): string {
  console.log(`$ donodo ${args.join(' ')}`);
  return execFileSync(process.execPath, [path.join(root, 'src/cli.ts'), ...args], { encoding: 'utf8', stdio: ['inherit', 'pipe', 'inherit'] });
}
function shell(command: string, ...args: string[]): string {
  console.log(`$ ${command} ${args.join(' ')}`);
  return execFileSync(command, args, { encoding: 'utf8' }).trim();
}

const id = await buildTestImage(image);
console.log(`built ${image} (${id})`);
const pushed = JSON.parse(donodo('push', image, '--storage', 'dir', '--dir', archive, '--auto-publish', '--no-lock', '--json'));
console.log(`archived as record ${pushed.recordId} in ${archive}, ${pushed.file.key} md5 ${pushed.file.md5}`);
await removeImages(image);
console.log(`removed ${image} from Docker`);
const pulled = JSON.parse(donodo('pull', pushed.recordId, '--storage', 'dir', '--dir', archive, '--json'));
console.log(`restored ${pulled.image} with id ${pulled.imageId}: ${pulled.imageId === id ? 'the same image' : 'A DIFFERENT IMAGE'}`);
console.log(shell('docker', 'run', '--rm', image));
if (pulled.imageId !== id) process.exit(1);
