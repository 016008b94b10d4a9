import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

describe('help and version run no plugin code', () => {
  it('loads no third-party plugin for --help, -h, help, --version or -V, while a real command does', async () => {
    // A package.json in a parent folder names a plugin that leaves a marker file when imported.
    const parent = await mkdtemp(path.join(os.tmpdir(), 'donodo-help-'));
    const below = path.join(parent, 'work', 'deeper');
    await mkdir(below, { recursive: true });
    const marker = path.join(parent, 'plugin-ran');
    await writeFile(
      path.join(parent, 'marker-plugin.mjs'),
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'imported');\nexport default { kind: 'metadata', name: 'marker', create: () => ({ provide: (m) => m }) };\n`,
    );
    await writeFile(path.join(parent, 'package.json'), JSON.stringify({ name: 'cloned', donodo: { plugins: ['./marker-plugin.mjs'] } }));
    try {
      for (const args of [['--help'], ['-h'], ['help'], ['help', 'push'], ['push', '--help'], ['pull', '-h'], ['--version'], ['-V']]) {
        const run = await runCli(args, { cwd: below });
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
        expect(run.stdout.length).toBeGreaterThan(0);
        expect(existsSync(marker), args.join(' ')).toBe(false);
      }
      const help = await runCli(['push', '--help'], { cwd: below });
      expect(help.stdout).toContain('--zenodo-url'); // the built-in plugins' flags still show
      expect(help.stdout).toContain('--dir');
      // The same folder, a real command: the plugin is loaded (so the marker can appear at all).
      await runCli(['pull', '1', '--storage', 'dir', '--dir', path.join(parent, 'archive')], { cwd: below });
      expect(existsSync(marker)).toBe(true);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
